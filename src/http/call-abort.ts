/**
 * A call's cancellation, without an AbortController: an EventTarget and a signal per upstream call
 * cost more than most of the guards around it. A call waits on one thing at a time (a throttle or
 * retry sleep, a bulkhead queue, the HTTP exchange), so one undo slot is all it needs: `abort`
 * runs whatever the call is waiting on now (undici's own dispatcher abort, for the exchange).
 */
export class CallAbort {
  aborted = false;
  reason: unknown = undefined;
  #undo: ((reason: unknown) => void) | undefined = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const undo = this.#undo;
    this.#undo = undefined;
    undo?.(reason);
  }

  /** `undo` runs (once) if the call is aborted before `settled()`; it replaces the previous one. */
  onAbort(undo: (reason: unknown) => void): void {
    this.#undo = undo;
  }

  settled(): void {
    this.#undo = undefined;
  }
}

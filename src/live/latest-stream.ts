export interface LatestStreamOptions<T> {
  /** How long an update may wait for a consumer that takes nothing before the stream gives up on it. */
  blockedMs: number;
  /** The consumer stayed blocked past `blockedMs`: returns the last value to offer it (why it is closed). */
  onBlocked(): T;
  /** Called once, as soon as no more values will be pushed (ended, returned by the consumer, or blocked). */
  onDone(): void;
}

/**
 * An async iterator that holds the newest value only. A subscriber that reads slower than updates
 * arrive gets the newest state when it next reads, never a queue of old ones, so what one slow
 * subscriber costs is one value here plus what its transport has in flight. One that takes nothing
 * for `blockedMs` while an update waits is given up on: the waiting update is replaced by
 * `onBlocked()`'s value and the stream ends after it.
 */
export class LatestStream<T> implements AsyncIterableIterator<T> {
  #pending: { value: T } | undefined;
  #waiter: ((result: IteratorResult<T>) => void) | undefined;
  #ended = false;
  #done = false;
  #blockedTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LatestStreamOptions<T>) {}

  /** Offers a new value: to a waiting reader at once, else it replaces whatever was waiting. */
  push(value: T): void {
    if (this.#ended) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter({ done: false, value });
      return;
    }
    this.#pending = { value };
    // Counted from when an update first had to wait, not from the newest one.
    this.#blockedTimer ??= setTimeout(() => this.#blocked(), this.options.blockedMs).unref();
  }

  /** No more values: the reader gets what is waiting, then the end. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#finish();
    if (this.#waiter && !this.#pending) this.#resolveWaiter();
  }

  next(): Promise<IteratorResult<T>> {
    clearTimeout(this.#blockedTimer);
    this.#blockedTimer = undefined;
    const pending = this.#pending;
    if (pending) {
      this.#pending = undefined;
      return Promise.resolve({ done: false, value: pending.value });
    }
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  /** The reader left (client gone, unsubscribed). */
  return(): Promise<IteratorResult<T>> {
    this.#ended = true;
    this.#pending = undefined;
    clearTimeout(this.#blockedTimer);
    this.#finish();
    this.#resolveWaiter();
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(): Promise<IteratorResult<T>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #blocked(): void {
    this.#blockedTimer = undefined;
    if (this.#ended) return;
    this.#ended = true;
    this.#pending = { value: this.options.onBlocked() };
    this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.options.onDone();
  }

  #resolveWaiter(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.({ done: true, value: undefined });
  }
}

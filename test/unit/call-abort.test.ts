import { describe, expect, it } from 'vitest';
import { CallAbort } from '../../src/http/call-abort.js';
import { createFairBulkhead } from '../../src/http/fair-bulkhead.js';

describe('CallAbort', () => {
  it('runs what the call waits on now, once, with the reason; nothing once that wait is settled', () => {
    const cancel = new CallAbort();
    const undone: unknown[] = [];
    cancel.onAbort((reason) => undone.push(['first', reason]));
    cancel.settled();
    cancel.onAbort((reason) => undone.push(['second', reason]));
    const reason = new Error('gone');
    cancel.abort(reason);
    cancel.abort(new Error('again'));
    expect(undone).toEqual([['second', reason]]);
    expect(cancel.aborted).toBe(true);
    expect(cancel.reason).toBe(reason);
  });
});

describe('FairBulkhead.tryEnter', () => {
  it('takes a slot only when execute would run at once, and exit frees it for the queue', async () => {
    const b = createFairBulkhead({ slots: 2, queue: 2, share: 0.5 });
    expect(b.tryEnter('a')).toBe(true);
    // One slot per tenant: a second call of the same tenant must queue, another tenant may go.
    expect(b.tryEnter('a')).toBe(false);
    expect(b.tryEnter('b')).toBe(true);
    expect(b.running).toBe(2);
    const queued = b.execute('c', async () => 'ran');
    expect(b.queued).toBe(1);
    b.exit('a');
    expect(await queued).toBe('ran');
    b.exit('b');
    await new Promise((resolve) => setImmediate(resolve));
    expect(b.running).toBe(0);
  });
});

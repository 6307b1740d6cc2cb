import type { CallAbort } from './call-abort.js';

/** The call was refused: the queue is full (or its place in it was given to a lighter tenant). */
export class BulkheadFull extends Error {
  constructor() {
    super('bulkhead full');
  }
}

export interface FairBulkheadOptions {
  /** Calls running at once. */
  slots: number;
  /** Calls waiting for a slot, all tenants together. */
  queue: number;
  /** The fraction of `slots` one tenant may hold at once (rounded up, at least one slot). */
  share: number;
}

export interface FairBulkhead {
  /**
   * Runs `fn` for `tenant` now, or once a slot is free and it is this tenant's turn. A call
   * aborted while it waits leaves the queue at once, rejected with the abort's reason.
   * `fn` is called with `arg`, so a caller need not make a closure per call.
   */
  execute<T, A = undefined>(tenant: string, fn: (arg: A) => Promise<T>, cancel?: CallAbort, arg?: A): Promise<T>;
  /**
   * Takes a slot for `tenant` if `execute` would run it at once (the common case), with no promise
   * or closure of its own; the caller must `exit` when done. False: go through `execute`.
   */
  tryEnter(tenant: string): boolean;
  exit(tenant: string): void;
  readonly running: number;
  readonly queued: number;
  /** Most calls one tenant may run at once. */
  readonly perTenant: number;
}

interface Waiter {
  start(): void;
  reject(error: unknown): void;
  leave(): void;
}

interface Tenant {
  running: number;
  waiting: Waiter[];
  /** When this tenant last started a call (a counter); the one served longest ago goes next. */
  servedAt: number;
}

/**
 * A bulkhead (so many calls at once, so many waiting) that shares its slots between tenants, so
 * one caller cannot occupy an upstream for everyone:
 * - a tenant runs at most `perTenant` calls at once, however many slots are free, so calls that
 *   hang until their deadline can hold only that many; the rest stay free for others;
 * - a freed slot goes to the waiting tenant served longest ago, not to whoever queued the most first;
 * - when the queue is full, a tenant with fewer waiting calls takes the place of the newest call
 *   of the tenant with the most, so one tenant cannot fill the queue either (and alone, it may
 *   use all of it).
 */
export function createFairBulkhead(options: FairBulkheadOptions): FairBulkhead {
  const perTenant = Math.max(1, Math.min(options.slots, Math.ceil(options.slots * options.share)));
  const tenants = new Map<string, Tenant>();
  let running = 0;
  let queued = 0;
  let clock = 0;

  function tenantOf(name: string): Tenant {
    let tenant = tenants.get(name);
    if (!tenant) {
      tenant = { running: 0, waiting: [], servedAt: 0 };
      tenants.set(name, tenant);
    }
    return tenant;
  }

  // Forget idle tenants: the map holds only tenants with calls running or waiting.
  function tidy(name: string, tenant: Tenant): void {
    if (tenant.running === 0 && tenant.waiting.length === 0) tenants.delete(name);
  }

  function dispatch(): void {
    while (running < options.slots) {
      let next: Tenant | undefined;
      for (const tenant of tenants.values()) {
        if (tenant.waiting.length > 0 && tenant.running < perTenant && (!next || tenant.servedAt < next.servedAt)) next = tenant;
      }
      if (!next) return;
      const waiter = next.waiting.shift()!;
      queued--;
      waiter.leave();
      waiter.start();
    }
  }

  function heaviest(): Tenant | undefined {
    let most: Tenant | undefined;
    for (const tenant of tenants.values()) if (!most || tenant.waiting.length > most.waiting.length) most = tenant;
    return most;
  }

  function release(name: string, tenant: Tenant): void {
    tenant.running--;
    running--;
    tidy(name, tenant);
    dispatch();
  }

  return {
    tryEnter(name) {
      if (running >= options.slots) return false;
      const tenant = tenantOf(name);
      if (tenant.running >= perTenant) {
        tidy(name, tenant);
        return false;
      }
      tenant.servedAt = ++clock;
      tenant.running++;
      running++;
      return true;
    },
    exit(name) {
      const tenant = tenants.get(name);
      if (tenant) release(name, tenant);
    },
    execute<T, A = undefined>(name: string, fn: (arg: A) => Promise<T>, cancel?: CallAbort, arg?: A): Promise<T> {
      if (cancel?.aborted) return Promise.reject(cancel.reason);
      const tenant = tenantOf(name);
      return new Promise<T>((resolve, reject) => {
        const start = () => {
          tenant.servedAt = ++clock;
          tenant.running++;
          running++;
          let result: Promise<T>;
          try {
            result = fn(arg as A);
          } catch (error) {
            result = Promise.reject(error);
          }
          result.then(
            (value) => {
              release(name, tenant);
              resolve(value);
            },
            (error: unknown) => {
              release(name, tenant);
              reject(error);
            },
          );
        };
        if (running < options.slots && tenant.running < perTenant) return start();

        if (queued >= options.queue) {
          const victim = heaviest();
          if (!victim || victim === tenant || victim.waiting.length <= tenant.waiting.length + 1) {
            tidy(name, tenant);
            return reject(new BulkheadFull());
          }
          const dropped = victim.waiting.pop()!;
          queued--;
          dropped.leave();
          dropped.reject(new BulkheadFull());
        }

        const waiter: Waiter = {
          start,
          reject,
          leave: () => cancel?.settled(),
        };
        cancel?.onAbort((reason) => {
          const at = tenant.waiting.indexOf(waiter);
          if (at >= 0) {
            tenant.waiting.splice(at, 1);
            queued--;
            tidy(name, tenant);
          }
          reject(reason);
        });
        tenant.waiting.push(waiter);
        queued++;
      });
    },
    get running() {
      return running;
    },
    get queued() {
      return queued;
    },
    perTenant,
  };
}

import { randomBytes } from 'node:crypto';
import type { WatchCoordinator, WatchEvent, WatchLink, WatchPeer } from '../live/watch-hub.js';
import { fingerprint } from '../live/fingerprint.js';
import { JobError, type ErrorCode, type UpstreamInfo } from '../model/errors.js';
import type { JobModel } from '../upstreams/types.js';
import type { FleetMetrics } from './metrics.js';
import { digest, type RedisLink } from './redis-link.js';

type JobEvent = Exclude<WatchEvent, { type: 'end' }>;

/**
 * Per key, for every replica wanting it: renew the lease if it is ours, take it if it is free; and
 * report the key's last published state, with the job when the caller has not seen it yet (so a
 * missed pub/sub message is caught up at the next tick and the terminal event is never lost).
 * KEYS: lease₁, state₁, lease₂, state₂, … · ARGV: leaseMs, stateMs, then per key token, epoch, seq.
 * Returns per key: status (0 another replica holds it, 1 renewed, 2 taken), seq, epoch, job or ''.
 */
const LEASES = `
local leaseMs = tonumber(ARGV[1])
local stateMs = tonumber(ARGV[2])
local out = {}
for i = 1, #KEYS, 2 do
  local a = 3 + (i - 1) / 2 * 3
  local token, knownEpoch, knownSeq = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  local holder = redis.call('GET', KEYS[i])
  local status = 0
  if holder == token then
    redis.call('PEXPIRE', KEYS[i], leaseMs)
    status = 1
  elseif not holder then
    redis.call('SET', KEYS[i], token, 'PX', leaseMs)
    status = 2
  end
  local s = redis.call('HMGET', KEYS[i + 1], 'e', 's', 'j')
  local epoch = s[1] or ''
  local seq = tonumber(s[2] or '0')
  local body = ''
  if s[3] and (epoch ~= knownEpoch or seq > knownSeq) then body = s[3] end
  if status > 0 and s[1] then redis.call('PEXPIRE', KEYS[i + 1], stateMs) end
  out[#out + 1] = status
  out[#out + 1] = seq
  out[#out + 1] = epoch
  out[#out + 1] = body
end
return out
`;

/**
 * The lease holder's poll result, published only while it still holds the lease (the token is a
 * fencing token: a replica that lost the lease mid-poll cannot publish) and only when it is news
 * for the fleet: a job whose fingerprint differs from the last published one (or follows an error),
 * or an error. Each publication gets the next sequence number of the key.
 * KEYS: lease, state · ARGV: token, kind, fingerprint digest, body, stateMs, channel, epoch if new.
 * Returns {1, seq, epoch} published, {0, seq, epoch} nothing new, {-1, 0, ''} not the holder.
 */
const PUBLISH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1, 0, ''} end
local s = redis.call('HMGET', KEYS[2], 'e', 'f', 'x', 's')
if ARGV[2] == 'job' and s[2] == ARGV[3] and s[3] ~= '1' then return {0, tonumber(s[4] or '0'), s[1] or ''} end
local epoch = s[1]
if not epoch then
  epoch = ARGV[7]
  redis.call('HSET', KEYS[2], 'e', epoch)
end
local seq = redis.call('HINCRBY', KEYS[2], 's', 1)
if ARGV[2] == 'job' then
  redis.call('HSET', KEYS[2], 'f', ARGV[3], 'j', ARGV[4], 'x', '0')
else
  redis.call('HSET', KEYS[2], 'x', '1')
end
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5]))
redis.call('PUBLISH', ARGV[6], epoch .. ' ' .. seq .. ' ' .. ARGV[2] .. ' ' .. ARGV[4])
return {1, seq, epoch}
`;

/** KEYS: lease · ARGV: token. Lets the lease go at once, if it is still ours, so another replica takes over at its next tick. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

interface Entry {
  peer: WatchPeer;
  lease: string;
  state: string;
  channel: string;
  /** This replica's claim on the lease; a new one after each loss, so an old claim cannot publish. */
  token: string;
  held: boolean;
  /** The token when the current poll started: its result is published under that claim only. */
  pollToken: string;
  /** The last publication this replica's subscribers were given (epoch changes when Redis lost the key's state). */
  epoch: string;
  seq: number;
}

interface Scripts {
  jobGatewayLeases(...args: (string | number)[]): Promise<(string | number)[]>;
  jobGatewayPublish(...args: (string | number)[]): Promise<[number, number, string]>;
  jobGatewayRelease(lease: string, token: string): Promise<number>;
}

const MAX_KEYS_PER_CALL = 200;

/**
 * One poller per (job, principal) across the fleet. Every replica with subscribers for a key asks
 * for its lease every `tickMs` (one round trip for all its keys); the holder polls the upstream and
 * publishes what changed, every replica hears it over pub/sub and sends it to its own subscribers.
 * A holder that dies stops renewing: its lease expires after `leaseMs` and the next tick of a
 * replica still watching takes it and polls at once, so updates resume within
 * leaseMs + tickMs (11/6 of a poll interval). Redis unreachable: every replica polls for itself
 * (in-process behaviour) until it is back.
 */
export function createWatchCoordinator(
  redis: RedisLink,
  pollIntervalMs: number,
  metrics: FleetMetrics,
): WatchCoordinator & { close(): void } {
  const tickMs = Math.max(20, Math.floor(pollIntervalMs / 3));
  // Half an interval of slack over the renewal period, so a replica stalled for a moment (GC, a busy
  // event loop) keeps its lease, while a dead one is replaced within 1.5 + 1/3 intervals (under two).
  const leaseMs = Math.max(Math.floor(1.5 * pollIntervalMs), 3 * tickMs);
  const stateMs = Math.max(60_000, 10 * pollIntervalMs);
  const replica = randomBytes(9).toString('base64url');
  let claims = 0;
  const newToken = () => `${replica}.${++claims}`;
  const entries = new Map<string, Entry>();

  redis.commands.defineCommand('jobGatewayLeases', { lua: LEASES });
  redis.commands.defineCommand('jobGatewayPublish', { numberOfKeys: 2, lua: PUBLISH });
  redis.commands.defineCommand('jobGatewayRelease', { numberOfKeys: 1, lua: RELEASE });
  const scripts = redis.commands as unknown as Scripts;

  redis.subscriber.on('ready', () => {
    if (entries.size > 0) redis.subscriber.subscribe(...entries.keys()).catch(() => undefined);
  });
  redis.subscriber.on('message', (channel: string, message: string) => {
    const entry = entries.get(channel);
    if (!entry) return;
    metrics.messages.inc({ direction: 'received' });
    const [epoch = '', seqText = '', kind = '', ...rest] = message.split(' ');
    const event = decodeEvent(kind, rest.join(' '));
    if (event) deliver(entry, epoch, Number(seqText), event);
  });

  /** Each publication reaches a replica's subscribers once, whether by pub/sub, its own poll or a tick's catch-up. */
  function deliver(entry: Entry, epoch: string, seq: number, event: JobEvent): void {
    if (epoch === entry.epoch && seq <= entry.seq) return;
    entry.epoch = epoch;
    entry.seq = seq;
    entry.peer.receive(event);
  }

  function setHeld(entry: Entry, held: boolean): void {
    if (entry.held === held) return;
    entry.held = held;
    metrics.leases.inc(held ? 1 : -1);
    if (!held) entry.token = newToken();
  }

  /** Lease and catch-up for `batch`; true when Redis answered. */
  async function leases(batch: Entry[]): Promise<boolean> {
    const keys = batch.flatMap((e) => [e.lease, e.state]);
    const args = batch.flatMap((e) => [e.token, e.epoch, e.seq]);
    let reply: (string | number)[];
    try {
      reply = await scripts.jobGatewayLeases(keys.length, ...keys, leaseMs, stateMs, ...args);
      redis.answered();
    } catch (error) {
      // Leases stay as they were: a slow answer must not make the holder give up a lease it still has
      // (a new claim would lock it out until the old one lapsed). While Redis counts as down, every
      // replica polls anyway; back up, the next tick and the fenced publish say who holds what.
      redis.failed(error);
      return false;
    }
    batch.forEach((entry, i) => {
      if (entries.get(entry.channel) !== entry) return; // left meanwhile
      const [status, seq, epoch, body] = reply.slice(i * 4, i * 4 + 4) as [number, number, string, string];
      setHeld(entry, status > 0);
      const job = body ? decodeEvent('job', body) : undefined;
      if (job) deliver(entry, epoch, seq, job);
      if (status === 2) entry.peer.pollNow();
    });
    return true;
  }

  let ticking = false;
  const timer = setInterval(() => {
    if (ticking || entries.size === 0) return;
    ticking = true;
    void (async () => {
      const all = [...entries.values()];
      for (let i = 0; i < all.length; i += MAX_KEYS_PER_CALL) {
        if (!(await leases(all.slice(i, i + MAX_KEYS_PER_CALL)))) break;
      }
    })().finally(() => (ticking = false));
  }, tickMs);
  timer.unref();

  async function publish(entry: Entry, event: JobEvent): Promise<void> {
    const kind = event.type;
    const body = event.type === 'job' ? JSON.stringify(event.job) : encodeError(event.error);
    const print = event.type === 'job' ? digest(fingerprint(event.job)) : '';
    let reply: [number, number, string];
    try {
      reply = await scripts.jobGatewayPublish(
        entry.lease,
        entry.state,
        entry.pollToken,
        kind,
        print,
        body,
        stateMs,
        entry.channel,
        randomBytes(6).toString('base64url'),
      );
      redis.answered();
    } catch (error) {
      // The fleet cannot hear it: this replica's subscribers still do.
      redis.failed(error);
      entry.peer.receive(event);
      return;
    }
    const [status, seq, epoch] = reply;
    if (status === -1) return setHeld(entry, false); // another replica polls now and publishes its own result
    if (status === 1) metrics.messages.inc({ direction: 'published' });
    if (status === 1) deliver(entry, epoch, seq, event);
    else entry.peer.receive(event); // nothing new for the fleet; the hub drops what its subscribers have seen
  }

  return {
    join(key, peer): WatchLink {
      const h = digest(key);
      const token = newToken();
      const entry: Entry = {
        peer,
        lease: redis.key('watch', h, 'lease'),
        state: redis.key('watch', h, 'state'),
        channel: redis.key('watch', h),
        token,
        held: false,
        pollToken: token,
        epoch: '',
        seq: 0,
      };
      entries.set(entry.channel, entry);
      // Subscribed before the state is read, so nothing published in between is lost (seq drops the overlap).
      void redis.subscriber
        .subscribe(entry.channel)
        .catch(() => undefined)
        .then(() => (entries.get(entry.channel) === entry ? leases([entry]) : true))
        .then((answered) => {
          if (!answered && entries.get(entry.channel) === entry) peer.pollNow();
        });
      return {
        polls() {
          if (redis.up && !entry.held) return false;
          entry.pollToken = entry.token;
          return true;
        },
        publish: (event) => (redis.up ? publish(entry, event) : Promise.resolve(entry.peer.receive(event))),
        leave() {
          if (entries.get(entry.channel) !== entry) return;
          entries.delete(entry.channel);
          redis.subscriber.unsubscribe(entry.channel).catch(() => undefined);
          if (entry.held) scripts.jobGatewayRelease(entry.lease, entry.token).catch(() => undefined);
          setHeld(entry, false);
        },
      };
    },
    close() {
      clearInterval(timer);
      for (const entry of entries.values()) if (entry.held) scripts.jobGatewayRelease(entry.lease, entry.token).catch(() => undefined);
      entries.clear();
    },
  };
}

function encodeError(error: JobError): string {
  return JSON.stringify({ c: error.code, m: error.message, u: error.upstream ?? null });
}

function decodeEvent(kind: string, body: string): JobEvent | undefined {
  try {
    if (kind === 'job') return { type: 'job', job: JSON.parse(body) as JobModel };
    if (kind === 'error') {
      const e = JSON.parse(body) as { c: ErrorCode; m: string; u: UpstreamInfo | null };
      return { type: 'error', error: new JobError(e.c, e.m, e.u ?? undefined) };
    }
  } catch {
    // A damaged message is dropped; the next tick catches the state up.
  }
  return undefined;
}

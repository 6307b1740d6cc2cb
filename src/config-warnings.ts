import { PUBLIC_ENDPOINTS, loadConfig, type Config } from './config.js';
import type { JobSource } from './model/job.js';

type Env = Record<string, string | undefined>;

/** Read elsewhere than loadConfig: tracing (telemetry.ts and the OTLP exporter) and the standalone simulator. */
export const OTHER_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_SERVICE_NAME',
  'SIMULATOR_PORT',
  'SIMULATOR_HOST',
  'SIMULATOR_AK',
  'SIMULATOR_SK',
  'SIMULATOR_LIVE_STEP_MS',
  'SIMULATOR_LIVE_RESTART_MS',
];

/** Every variable loadConfig reads, found by letting it read an environment that records each name. */
export function configVariables(): string[] {
  const read = new Set<string>();
  const recorder = new Proxy<Env>(
    {},
    {
      get(_target, name) {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    },
  );
  loadConfig(recorder);
  return [...read];
}

/** The names the gateway knows: what a misspelling is compared with. */
export function knownVariables(): string[] {
  return [...new Set([...configVariables(), ...OTHER_VARIABLES])];
}

/**
 * Configurations that start but are probably not what was meant: said once, at start-up, as warnings.
 * (Bad values are errors in loadConfig; these are legal but suspicious.)
 */
export function configWarnings(config: Config, env: Env): string[] {
  const warnings: string[] = [];
  const sources = Object.keys(PUBLIC_ENDPOINTS) as JobSource[];
  const set = sources.filter((s) => config.endpoints[s] !== undefined);
  const unset = sources.filter((s) => config.endpoints[s] === undefined);
  if (!config.simulator && set.length > 0 && unset.length > 0) {
    warnings.push(
      `${set.map((s) => `${s}_ENDPOINT`).join(', ')} set but ${unset.map((s) => `${s}_ENDPOINT`).join(', ')} not: ` +
        `those upstreams go to the public cloud (${unset.map((s) => PUBLIC_ENDPOINTS[s]).join(', ')})`,
    );
  }
  for (const source of set) {
    if (!config.endpoints[source]!.includes('{region}')) {
      warnings.push(
        `${source}_ENDPOINT has no {region}: every query goes to ${config.endpoints[source]}, whatever region it asks for ` +
          `(HWC_REGION or a region: argument); fine for a single-region deployment`,
      );
    }
  }
  const nodeEnv = env.NODE_ENV?.trim();
  if (nodeEnv && !config.production && /^prod/i.test(nodeEnv)) {
    warnings.push(`NODE_ENV=${nodeEnv} is not production: the production defaults apply only to NODE_ENV=production`);
  }
  const known = knownVariables();
  for (const name of Object.keys(env)) {
    const meant = likelyMeant(name, known);
    if (meant) warnings.push(`${name} is not a variable this gateway reads: did you mean ${meant}? (${name} is ignored)`);
  }
  return warnings;
}

/** The known name `name` is probably a misspelling of, if any: the same name in other case, or a typo or two away. */
export function likelyMeant(name: string, known: readonly string[]): string | undefined {
  if (known.includes(name)) return undefined;
  const upper = name.toUpperCase();
  const sameButCase = known.find((k) => k === upper);
  if (sameButCase) return sameButCase;
  // A duration without its unit (UPSTREAM_TIMEOUT for UPSTREAM_TIMEOUT_MS) is the classic slip.
  const withUnit = known.find((k) => k === `${upper}_MS`);
  if (withUnit) return withUnit;
  // Short names are too close to everyday variables (HOME vs HOST) for more than one typo.
  const allowed = upper.length >= 8 ? 2 : upper.length >= 4 ? 1 : 0;
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    const distance = editDistance(upper, k);
    if (distance <= allowed && (!best || distance < best.distance)) best = { name: k, distance };
  }
  return best?.name;
}

/** Edit distance with adjacent transpositions (optimal string alignment): ENDPIONT is one edit from ENDPOINT. */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

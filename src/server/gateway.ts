import type { RequestListener } from 'node:http';
import type { Clock } from '../http/clock.js';
import { useEngine } from '@envelop/core';
import { Kind, execute, subscribe, type GraphQLError } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from '../config.js';
import { principalOf } from '../http/credential.js';
import type { FleetFactory } from '../fleet/types.js';
import { createLocalThrottle } from '../http/rate-limit.js';
import type { CallContext } from '../http/upstream-client.js';
import type { JobSource } from '../model/job.js';
import { jobsById } from '../graph/resolvers.js';
import { buildSchema } from '../graph/schema.js';
import { subscriptionResolvers } from '../graph/subscription.js';
import { createSubscriptionLimits } from '../live/subscription-limits.js';
import { createWatchHub, type WatchHub } from '../live/watch-hub.js';
import { UPSTREAMS } from '../upstreams/index.js';
import { createRequestContext, type RequestContext } from '../graph/context.js';
import { cacheFor, createTerminalJobCache } from '../upstreams/terminal-cache.js';
import type { Upstream } from '../upstreams/types.js';
import { credentialForToken, requestCredential } from './request-credential.js';
import { createFastPath, yogaSettingsOf } from './fast-path.js';
import { createAnswerCache } from './answer-cache.js';
import { fastPathBlockers, forFastPath } from './fast-path-plugins.js';
import { createPreparedOperations } from './use-prepared-operations.js';
import { createApqStore, loadTrustedDocuments, persistedLookup, readManifest, type TrustedDocuments } from './persisted-documents.js';
import { persistedTextOf, usePersistedDocuments, type PersistedDocumentsOptions } from './use-persisted-documents.js';
import { createCostLimit } from './use-cost-limit.js';
import { boundedParserCache } from './document-caches.js';
import { createResponseLimit } from './use-response-limit.js';
import { createLogger, loggingObserver, yogaLogger, type Logger } from './logger.js';
import { combineObservers, createMetrics, metricsObserver, type Metrics } from './metrics.js';
import { useBodyLimit } from './use-body-limit.js';
import { useJobPages } from './job-page.js';
import { CSRF_HEADERS, useCsrfPrevention } from './use-csrf-prevention.js';
import { corsFor, createOriginPolicy, type OriginPolicy } from './origins.js';
import { useRequestParseErrors } from './use-request-parse-errors.js';
import { useGraphiQLPage } from './use-graphiql-page.js';
import { useHealthBody } from './use-health.js';
import { useNoSubgraphSdl } from './use-no-subgraph-sdl.js';
import { guardPaths } from './path-guard.js';
import { spanOf, useTracing } from './use-tracing.js';
import { useMetrics } from './use-metrics.js';
import { useNoIntrospection } from './use-no-introspection.js';
import { useQueryLimits } from './use-query-limits.js';
import { useReadiness, type Readiness } from './use-readiness.js';
import { useRejectionStatus } from './use-rejection-status.js';
import { useRequestLog } from './use-request-log.js';
import { requestIdOf, useRequestId } from './use-request-id.js';

export interface GatewayOptions {
  /** The base URL of every upstream (with `{region}` where it varies). */
  endpoints: Record<JobSource, string>;
  /** The query GraphiQL opens with. */
  exampleQuery?: string;
  /** Where log lines go; by default a JSON logger on stdout at LOG_LEVEL. */
  logger?: Logger;
  /** Also export Node process metrics (CPU, memory, event loop) on /metrics. */
  processMetrics?: boolean;
  /** Make a trace span per request and per upstream attempt (a tracer provider must be registered). */
  tracing?: boolean;
  /**
   * Execute repeated, already validated queries without yoga's pipeline (fast-path.ts). On by
   * default; off with tracing, whose spans are yoga hooks.
   */
  fastPath?: boolean;
  /** Timers for upstream deadlines, retries and waits, and for subscription polls; the process's own by default (tests inject theirs). */
  clock?: Clock;
  /** Fleet mode (REDIS_URL): from `loadFleet`, so that no Redis code is loaded without it. */
  fleet?: FleetFactory | undefined;
  /**
   * More yoga plugins, after the gateway's own. Each must declare how it stands to the fast path
   * (forFastPath in fast-path-plugins.ts); one that does not turns the fast path off, with a warning.
   */
  plugins?: Plugin<RequestContext>[];
}

/** The fleet module when REDIS_URL is set; imported only then. */
export async function loadFleet(config: Config): Promise<FleetFactory | undefined> {
  return config.fleet ? (await import('../fleet/index.js')).createFleet : undefined;
}

export interface Gateway {
  logger: Logger;
  metrics: Metrics;
  watches: WatchHub;
  yoga: YogaServerInstance<Record<string, unknown>, RequestContext>;
  /** The node:http request listener: the fast path in front of yoga. */
  listener: RequestListener;
  upstreams: readonly Upstream[];
  readiness: Readiness;
  /** The text a WebSocket operation runs under the persisted documents rules (yoga's HTTP path applies them itself), or why not. */
  operationText(payload: { query?: unknown; documentId?: unknown; extensions?: unknown }): string | GraphQLError;
  /** Which browser origins may call the gateway (CORS_ORIGINS); the WebSocket upgrade checks it too. */
  origins: OriginPolicy;
  close(): Promise<void>;
}

export function createGateway(config: Config, options: GatewayOptions): Gateway {
  const logger = options.logger ?? createLogger(config.logLevel, undefined, config.logFormat);
  const metrics = createMetrics({ processMetrics: options.processMetrics ?? false });
  const fleet =
    config.fleet && options.fleet
      ? options.fleet({
          config: config.fleet,
          logger,
          registry: metrics.registry,
          pollIntervalMs: config.watch.pollIntervalMs,
          cacheTtlMs: config.cache.ttlMs,
          rateLimits: config.rateLimits,
        })
      : undefined;
  const shared = fleet && config.cache.maxEntries > 0 ? fleet : undefined;
  // Answers are built from terminal jobs: whenever the local tier drops a principal's jobs (a 401 here,
  // or on another replica, over Redis pub/sub), its answers go too, named as that tier names it.
  const answers = createAnswerCache(config.answerCacheBytes, shared?.cacheOwner);
  const local = createTerminalJobCache(config.cache, (owner) => answers.dropOwner(owner));
  const cache = shared ? shared.sharedCache(local) : local;
  const throttle = config.rateLimits ? (fleet?.throttle ?? createLocalThrottle(config.rateLimits)) : undefined;
  const measured = metricsObserver(metrics);
  const observer = combineObservers(loggingObserver(logger), measured);
  const regions: ReadonlySet<string> = new Set(config.regions);
  const upstreams = UPSTREAMS.map((upstream) =>
    upstream.create({
      endpoint: options.endpoints[upstream.source],
      publicEndpoint: options.endpoints[upstream.source] === upstream.publicEndpoint,
      regions,
      http: { ...config.http, throttle, clock: options.clock },
      cache: cacheFor(cache, upstream.source),
      maxSubJobDepth: config.maxSubJobDepth,
      observer,
      loaderObserver: measured,
    }),
  );
  const readiness: Readiness = { ready: false };
  // One reader of global ids for queries, federation entities and subscription polls alike.
  const loadById = jobsById(upstreams);
  const watches = createWatchHub(
    { ...config.watch, clock: options.clock },
    {
      load: loadById,
      newContext: (call) => createRequestContext(call, config.region),
      onPollerCount: (delta) => metrics.pollers.inc(delta),
      ...(fleet ? { coordinator: fleet.watches } : {}),
    },
  );
  const live = subscriptionResolvers(watches, {
    limits: createSubscriptionLimits(config.subscriptions),
    blockedMs: config.subscriptions.blockedMs,
    onActive: (delta) => metrics.subscriptions.inc(delta),
    onTooSlow: (info) => logger.warn(info, `closed a ${info.transport} subscriber that read nothing for ${info.blockedMs} ms`),
  });
  const schema = buildSchema(upstreams, loadById, { maxJobIds: config.maxJobIds }, [live]);
  // Persisted documents (PERSISTED_DOCUMENTS, TRUSTED_DOCUMENTS_ONLY, APQ): the manifest is read now
  // (a bad file stops start-up) and its documents are checked by yoga itself once yoga is made, below.
  const manifest = config.persistedDocuments ? readManifest(config.persistedDocuments.path) : undefined;
  let trusted: TrustedDocuments | undefined;
  const trustedOnly = config.persistedDocuments?.trustedOnly ?? false;
  const apq = config.apq.enabled ? createApqStore(config.apq.maxEntries, config.apq.maxBytes) : undefined;
  const persistedOptions: PersistedDocumentsOptions = { trusted: () => trusted, apq, trustedOnly, introspection: config.introspection };
  const prepared = createPreparedOperations(config.documentCacheBytes);
  const costLimit = createCostLimit({ maxCost: config.limits.maxCost, estimates: config.limits.costEstimates, maxItems: config.maxJobIds });
  const responseLimit = createResponseLimit(config.maxResponseBytes);
  const yogaLog = yogaLogger(logger);
  const origins = createOriginPolicy(config.corsOrigins);
  // The fast path (fast-path.ts) answers repeated queries without these plugins, so each one declares
  // how it stands to it (fast-path-plugins.ts): it acts on documents only, on requests the fast path
  // never takes, or the fast path does the same itself. A plugin that depends on the request or the
  // caller otherwise (auth, rate limits, response caching, tracing) stays undeclared, and then the
  // fast path is off: checked below, at start-up, on this very list.
  const plugins: Plugin<RequestContext>[] = [
    // graphql-js's own executor: yoga's default (@graphql-tools/executor) allocated a large share of
    // every request's garbage here, and throughput and CPU per request are better without it (bench/findings.md).
    forFastPath('useEngine', 'engine', useEngine({ execute, subscribe })),
    ...(options.tracing ? [forFastPath('useTracing', 'blocks', useTracing())] : []),
    forFastPath('useRequestId', 'mirrored', useRequestId()),
    forFastPath('useRequestLog', 'mirrored', useRequestLog(logger)),
    forFastPath('useMetrics', 'mirrored', useMetrics(metrics, { serve: config.metricsPort === undefined })),
    forFastPath('useReadiness', 'elsewhere', useReadiness(readiness)),
    forFastPath('useHealthBody', 'elsewhere', useHealthBody()),
    ...(config.graphiql
      ? [
          forFastPath(
            'useGraphiQLPage',
            'elsewhere',
            useGraphiQLPage({ title: 'Job gateway', defaultQuery: options.exampleQuery, additionalHeaders: { [CSRF_HEADERS[0]]: '1' } }),
          ),
        ]
      : []),
    forFastPath('useBodyLimit', 'mirrored', useBodyLimit(config.maxBodyBytes)),
    // Refuses only form and simple-type bodies without a custom header: the fast path takes JSON POSTs only.
    forFastPath('useCsrfPrevention', 'elsewhere', useCsrfPrevention()),
    // Acts only on bodies yoga cannot parse: the fast path hands every body it cannot read to yoga.
    forFastPath('useRequestParseErrors', 'elsewhere', useRequestParseErrors()),
    forFastPath('useRejectionStatus', 'mirrored', useRejectionStatus()),
    ...forFastPath('usePersistedDocuments', 'mirrored', usePersistedDocuments(persistedOptions)),
    ...forFastPath('useQueryLimits', 'document', useQueryLimits(config.limits)),
    // Both before `prepared`: a request refused here is never remembered as accepted.
    forFastPath('costLimit', 'mirrored', costLimit.plugin),
    forFastPath('responseLimit', 'mirrored', responseLimit.plugin),
    ...(config.introspection ? [] : [forFastPath('useNoIntrospection', 'document', useNoIntrospection())]),
    // GET /jobs/... pages: never a POST to the GraphQL endpoint.
    ...(config.jobPages ? [forFastPath('useJobPages', 'elsewhere', useJobPages())] : []),
    ...(config.subgraphSdl ? [] : [forFastPath('useNoSubgraphSdl', 'document', useNoSubgraphSdl())]),
    ...(options.plugins ?? []),
  ] as Plugin<RequestContext>[];
  const blockers = fastPathBlockers(plugins);
  const fastPath = (options.fastPath ?? true) && blockers.length === 0;
  if ((options.fastPath ?? true) && !fastPath) {
    const names = blockers.map((b) => b.name).join(', ');
    const line = `fast path off: ${names} cannot be served without yoga's plugin chain (src/server/fast-path-plugins.ts)`;
    if (blockers.some((b) => !b.known)) logger.warn({ fastPathBlockers: names }, line);
    else logger.info({ fastPathBlockers: names }, line);
  }
  const yoga = createYoga<Record<string, unknown>, RequestContext>({
    schema,
    context: ({ request }) => {
      const credential = requestCredential(request, config.aksk);
      const call: CallContext = {
        credential,
        principal: principalOf(credential),
        requestId: requestIdOf(request),
        signal: request.signal,
        stats: { upstreamCalls: 0 },
        span: spanOf(request),
      };
      return createRequestContext(call, config.region);
    },
    // GraphiQL is useGraphiQLPage's (below): loaded on first use, compressed. Its assets are served
    // inline rather than from a CDN, so it works on closed networks.
    graphiql: false,
    landingPage: false,
    // Yoga's default reflects any Origin with credentials; only CORS_ORIGINS get CORS headers.
    cors: corsFor(origins),
    healthCheckEndpoint: '/health',
    batching: false,
    // Bounded by bytes, not only by count (DOCUMENT_CACHE_BYTES): large documents must not pin the heap.
    parserAndValidationCache: boundedParserCache(config.documentCacheBytes),
    // The body limit is useBodyLimit's (MAX_BODY_BYTES, below): it refuses a declared Content-Length
    // over the limit and reads a chunked body only up to it. Yoga's own 25 MB check would pipe every
    // request body through a TransformStream as well, a visible share of the gateway's CPU (bench/findings.md).
    maxRequestBodySize: false,
    // Errors we mean to show are JobErrors (GraphQLErrors); anything else is a bug and is masked.
    maskedErrors: true,
    // Yoga's own messages (masked internal errors among them) go to the same JSON log.
    logging: yogaLog,
    plugins: fastPath ? [...plugins, forFastPath('preparedOperations', 'recorder', prepared.plugin)] : plugins,
  });
  if (manifest && config.persistedDocuments) {
    // Parsed and validated by yoga's own parse and validate (every plugin's limits and rules), as a request's document would be.
    const check = (text: string) => {
      const { parse, validate, schema: served } = yoga.getEnveloped({ params: { query: text } } as never);
      const document = parse(text);
      const errors = validate(served, document);
      if (errors.length > 0) throw new Error(errors.map((e: Error) => e.message).join('; '));
      // The cost limit runs at execution (it needs the variables): here, each operation's cost without them.
      for (const definition of document.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        const overCost = costLimit.refusal(served, document, definition.name?.value ?? null, null);
        if (overCost) throw overCost;
      }
      return document;
    };
    trusted = loadTrustedDocuments(config.persistedDocuments.path, manifest, check, schema);
  }
  // Masking and the endpoint as yoga is configured: read from yoga itself, not restated for the fast path.
  const settings = fastPath ? yogaSettingsOf(yoga) : undefined;
  if (fastPath && !settings) logger.warn('fast path off: this yoga version does not expose its masking and endpoint settings');
  const listener: RequestListener = guardPaths(
    settings
      ? createFastPath(yoga, settings, {
          schema,
          prepared,
          persisted: persistedLookup(trusted, apq, trustedOnly, prepared),
          credentialOf: (token) => credentialForToken(token, config.aksk),
          newContext: (call) => createRequestContext(call, config.region),
          maxBodyBytes: config.maxBodyBytes,
          costLimit,
          responseLimit,
          metrics,
          logger,
          answers,
          logMasked: (error) => yogaLog.error(error),
        })
      : yoga,
  );
  return {
    logger,
    metrics,
    watches,
    yoga,
    listener,
    upstreams,
    readiness,
    operationText: (payload) => persistedTextOf(persistedOptions, payload),
    origins,
    async close() {
      readiness.ready = false;
      watches.close();
      await Promise.all(upstreams.map((u) => u.client.close()));
      await fleet?.close();
    },
  };
}

import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { PUBLIC_ENDPOINTS, type Config } from '../config.js';
import { principalOf } from '../http/credentials.js';
import type { JobSource } from '../model/job.js';
import { buildSchema } from '../graph/schema.js';
import { UPSTREAMS } from '../upstreams/index.js';
import { createRequestContext, type RequestContext } from '../upstreams/request-context.js';
import { createTerminalJobCache } from '../upstreams/terminal-cache.js';
import type { Upstream } from '../upstreams/types.js';
import { credentialFrom } from './credentials.js';
import { createLogger, loggingObserver, yogaLogger, type Logger } from './logger.js';
import { useBodyLimit } from './use-body-limit.js';
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
}

export interface Gateway {
  logger: Logger;
  yoga: YogaServerInstance<Record<string, unknown>, RequestContext>;
  upstreams: readonly Upstream[];
  readiness: Readiness;
  close(): Promise<void>;
}

export function createGateway(config: Config, options: GatewayOptions): Gateway {
  const logger = options.logger ?? createLogger(config.logLevel);
  const cache = createTerminalJobCache(config.cache);
  const observer = loggingObserver(logger);
  const upstreams = (Object.keys(UPSTREAMS) as JobSource[]).map((source) =>
    UPSTREAMS[source]({
      endpoint: options.endpoints[source],
      publicEndpoint: options.endpoints[source] === PUBLIC_ENDPOINTS[source],
      http: config.http,
      cache,
      maxSubJobDepth: config.maxSubJobDepth,
      observer,
    }),
  );
  const readiness: Readiness = { ready: false };
  const yoga = createYoga<Record<string, unknown>, RequestContext>({
    schema: buildSchema(upstreams, { maxJobIds: config.maxJobIds }),
    context: ({ request }) => {
      const credential = credentialFrom(request, config.aksk);
      return createRequestContext(
        {
          credential,
          principal: principalOf(credential),
          requestId: requestIdOf(request),
          signal: request.signal,
          stats: { upstreamCalls: 0 },
        },
        config.region,
      );
    },
    graphiql: config.graphiql ? { title: 'Job gateway', defaultQuery: options.exampleQuery } : false,
    // GraphiQL's assets are served inline rather than from a CDN, so it works on closed networks.
    renderGraphiQL,
    landingPage: false,
    healthCheckEndpoint: '/health',
    batching: false,
    // Errors we mean to show are JobErrors (GraphQLErrors); anything else is a bug and is masked.
    maskedErrors: true,
    // Yoga's own messages (masked internal errors among them) go to the same JSON log.
    logging: yogaLogger(logger),
    plugins: [
      useRequestId(),
      useRequestLog(logger),
      useReadiness(readiness),
      useBodyLimit(config.maxBodyBytes),
      useRejectionStatus(),
      ...useQueryLimits(config.limits),
      ...(config.introspection ? [] : [useNoIntrospection()]),
    ],
  });
  return {
    logger,
    yoga,
    upstreams,
    readiness,
    async close() {
      readiness.ready = false;
      await Promise.all(upstreams.map((u) => u.client.close()));
    },
  };
}

import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { CostEstimates } from '../config.js';
import { costOf, planCost, type CostPlan } from './query-cost.js';

export interface CostLimitOptions {
  maxCost: number;
  estimates: CostEstimates;
  /** Most ids one `jobs(ids:)` takes (MAX_JOB_IDS): the size of a nested variable list, were there one. */
  maxItems: number;
}

export interface CostLimit {
  /** The refusal for this request, or undefined when it is within the limit. */
  refusal(
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: unknown,
  ): GraphQLError | undefined;
  /** Refuses over-cost operations on yoga's path (HTTP, SSE, WebSocket) before they execute. */
  plugin: Plugin;
}

/**
 * The query cost limit, counted with each request's variables: `jobs(ids: $ids)` costs its
 * selection once per id, so a document accepted with one id is refused with a hundred ids times
 * twenty-five aliases. It runs where execution starts (yoga's onExecute and onSubscribe, and the
 * fast path before it runs a prepared document), so a refused request makes no upstream call.
 * The plan is made once per parsed document (yoga's parse cache hands back the same object) and
 * held only as long as that document is.
 */
export function createCostLimit(options: CostLimitOptions): CostLimit {
  const plans = new WeakMap<DocumentNode, Map<string | null, CostPlan>>();

  function planFor(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): CostPlan {
    let byName = plans.get(document);
    if (!byName) plans.set(document, (byName = new Map()));
    let plan = byName.get(operationName);
    if (!plan) byName.set(operationName, (plan = planCost(schema, document, operationName, options.estimates, options.maxItems)));
    return plan;
  }

  function refusal(
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: unknown,
  ): GraphQLError | undefined {
    const vars =
      typeof variables === 'object' && variables !== null && !Array.isArray(variables) ? (variables as Record<string, unknown>) : null;
    const cost = costOf(planFor(schema, document, operationName ?? null), vars);
    if (cost <= options.maxCost) return undefined;
    return new GraphQLError(`Query cost limit of ${options.maxCost} exceeded, found ${cost}.`, {
      extensions: { code: 'COST_LIMIT_EXCEEDED', cost, maxCost: options.maxCost },
    });
  }

  return {
    refusal,
    plugin: {
      onExecute({ args, setResultAndStopExecution }) {
        const error = refusal(args.schema, args.document, args.operationName, args.variableValues);
        if (error) setResultAndStopExecution({ errors: [error] });
      },
      onSubscribe({ args, setResultAndStopExecution }) {
        const error = refusal(args.schema, args.document, args.operationName, args.variableValues);
        if (error) setResultAndStopExecution({ errors: [error] });
      },
    },
  };
}

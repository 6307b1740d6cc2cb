import type { CostEstimates } from '../config.js';
import {
  Kind,
  getNamedType,
  getOperationAST,
  isListType,
  isObjectType,
  isInterfaceType,
  getNullableType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/**
 * A query's cost, ready for any variables: `fixed` plus, per list variable, its weight times the
 * list's length. Only root fields (`jobs(ids:)`, `_entities`) take a list whose size comes from a
 * variable, so the cost is linear in those lengths and is planned once per document.
 */
export interface CostPlan {
  fixed: number;
  perItem: ReadonlyMap<string, number>;
  /** Lengths of list defaults written in the operation (`$ids: [ID!] = ["a", "b"]`). */
  defaults: ReadonlyMap<string, number>;
}

// The root fields whose answer has one entry per item of an argument.
const SIZED_BY: Readonly<Record<string, string>> = { jobs: 'ids', _entities: 'representations' };

interface Linear {
  fixed: number;
  perItem: Map<string, number>;
  /** Inside a sub-job tree: what one sub-job below this level may cost (see `treeCost`). */
  deeper: number;
}

type Multiplier = { items: number } | { variable: string };

/**
 * The cost model: every selected field costs 1 each time it is resolved, and a list field
 * multiplies its selection by its length. `jobs(ids:)` and `_entities` by the number of ids or
 * representations (from the literal or the variables); `cceJobs` by its estimate. A job's sub-job
 * tree is estimated at `estimates.subJobs` jobs in all, whatever its depth: each of them is
 * charged the costliest level's selection, so nesting `subJobs` twelve deep costs about what the
 * deepest level's fields cost, not a product of twelve factors. Other lists count once. Fragments
 * are expanded where spread, and fields of every type condition are counted (an upper bound).
 */
export function planCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null,
  estimates: CostEstimates,
  maxItems: number,
): CostPlan {
  const operation = getOperationAST(document, operationName ?? undefined);
  const defaults = new Map<string, number>();
  if (!operation) return { fixed: 0, perItem: new Map(), defaults };
  for (const definition of operation.variableDefinitions ?? []) {
    const value = definition.defaultValue;
    if (value)
      defaults.set(definition.variable.name.value, value.kind === Kind.LIST ? value.values.length : value.kind === Kind.NULL ? 0 : 1);
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  // A fragment's cost depends only on whether it sits inside a sub-job tree: memoized on that, so a
  // document that spreads fragments into fragments costs linear time to plan, not exponential.
  const memo = new Map<string, Linear>();
  const visiting = new Set<string>();
  const root = schema.getRootType(operation.operation);
  const total = root ? selectionCost(operation.selectionSet, root, false) : zero();
  return { fixed: total.fixed, perItem: total.perItem, defaults };

  function selectionCost(selectionSet: SelectionSetNode, parent: GraphQLNamedType, inTree: boolean): Linear {
    const sum = zero();
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) add(sum, fieldCost(selection, parent, inTree));
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type) add(sum, selectionCost(selection.selectionSet, type, inTree));
      } else {
        const name = selection.name.value;
        const key = `${inTree}:${name}`;
        let cost = memo.get(key);
        if (!cost) {
          const fragment = fragments.get(name);
          const type = fragment && schema.getType(fragment.typeCondition.name.value);
          // A cycle is a validation error yoga reports; here it only must not loop.
          if (!fragment || !type || visiting.has(key)) continue;
          visiting.add(key);
          cost = selectionCost(fragment.selectionSet, type, inTree);
          visiting.delete(key);
          memo.set(key, cost);
        }
        add(sum, cost);
      }
    }
    return sum;
  }

  function fieldCost(node: FieldNode, parent: GraphQLNamedType, inTree: boolean): Linear {
    const cost: Linear = { fixed: 1, perItem: new Map(), deeper: 0 };
    if (!node.selectionSet) return cost;
    const name = node.name.value;
    const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
    const type = field
      ? getNamedType(field.type)
      : name === '__schema'
        ? schema.getType('__Schema')
        : name === '__type'
          ? schema.getType('__Type')
          : undefined;
    if (!type) return cost;
    const isTree = name === 'subJobs' && field !== undefined && isListType(getNullableType(field.type));
    const inner = selectionCost(node.selectionSet, type, inTree || isTree);
    if (isTree) {
      // A tree's jobs each pay at most its costliest level: the outermost `subJobs` charges that for
      // every job of the estimate; a nested one hands its level's cost up to be compared.
      const perJob = Math.max(inner.fixed, inner.deeper);
      if (inTree) cost.deeper = perJob;
      else cost.fixed += estimates.subJobs * perJob;
      return cost;
    }
    let multiplier: Multiplier = { items: 1 };
    if (parent === schema.getQueryType() && SIZED_BY[name]) multiplier = sizeOf(node, SIZED_BY[name]);
    else if (parent === schema.getQueryType() && name === 'cceJobs') multiplier = { items: estimates.cceJobs };
    if ('items' in multiplier) add(cost, inner, multiplier.items);
    else {
      // Lists inside a variable-sized list cannot occur in this schema; were one added, count it at its cap.
      let each = inner.fixed;
      for (const weight of inner.perItem.values()) each += weight * maxItems;
      cost.perItem.set(multiplier.variable, (cost.perItem.get(multiplier.variable) ?? 0) + each);
    }
    return cost;
  }
}

/** The number of items an argument holds: a literal list's length, or a variable's (looked up per request). */
function sizeOf(node: FieldNode, argument: string): Multiplier {
  const value: ValueNode | undefined = node.arguments?.find((a) => a.name.value === argument)?.value;
  if (!value || value.kind === Kind.NULL) return { items: 0 };
  if (value.kind === Kind.VARIABLE) return { variable: value.name.value };
  // A single value stands for a list of one; a list literal has as many items as it holds, variables included.
  return { items: value.kind === Kind.LIST ? value.values.length : 1 };
}

/** The plan's cost for one request's variables. */
export function costOf(plan: CostPlan, variables: Readonly<Record<string, unknown>> | null | undefined): number {
  let cost = plan.fixed;
  for (const [variable, weight] of plan.perItem) {
    const value = variables?.[variable];
    const items = Array.isArray(value) ? value.length : value === undefined ? (plan.defaults.get(variable) ?? 0) : value === null ? 0 : 1;
    cost += weight * items;
  }
  return cost;
}

function zero(): Linear {
  return { fixed: 0, perItem: new Map(), deeper: 0 };
}

function add(into: Linear, cost: Linear, times = 1): void {
  into.fixed += cost.fixed * times;
  // Two `subJobs` at one level (aliases) walk the tree twice: what they hand up adds.
  into.deeper += cost.deeper * times;
  for (const [variable, weight] of cost.perItem) into.perItem.set(variable, (into.perItem.get(variable) ?? 0) + weight * times);
}

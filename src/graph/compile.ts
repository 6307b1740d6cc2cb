// graphql-js's own value printer, so messages read exactly as its executor's would.
import { inspect as describe } from 'graphql/jsutils/inspect.js';
import {
  GraphQLError,
  Kind,
  TypeNameMetaFieldDef,
  getNamedType,
  getVariableValues,
  getArgumentValues,
  isAbstractType,
  isCompositeType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  locatedError,
  typeFromAST,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLAbstractType,
  type GraphQLField,
  type GraphQLLeafType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * A query plan for one validated operation: the field collection, argument coercion and type
 * lookups graphql-js's `execute` redoes for every request and every list item, done once.
 * Executing the plan follows graphql-js 16 step for step (same resolver calls, same completion,
 * same null propagation, same error messages, paths and locations, same promise structure so
 * errors come out in the same order), without the per-field resolve-info, argument and path
 * objects that made execution a quarter of the gateway's garbage (bench/findings.md).
 *
 * Resolvers are called with `info` undefined, so an operation reaches a plan only when nothing it
 * can touch would read one: a resolver declaring a fourth parameter (federation's `_entities`),
 * introspection, directives in the operation (`@skip`/`@include` depend on variables), or
 * `isTypeOf`. `compileQuery` returns undefined for those, and graphql-js executes them.
 */
export type CompiledQuery = (contextValue: unknown, rawVariables: Record<string, unknown> | null | undefined) => ExecutionResult | Promise<ExecutionResult>;

interface FieldPlan {
  key: string;
  name: string;
  nodes: FieldNode[];
  parentType: GraphQLObjectType;
  type: GraphQLOutputType;
  /** Undefined: read the property (graphql-js's default resolver). */
  resolve: ((source: unknown, args: unknown, context: unknown, info: undefined) => unknown) | undefined;
  /** Arguments fixed by the document, or computed per request when they use variables. */
  args: Record<string, unknown> | undefined;
  argsUseVariables: boolean;
  def: GraphQLField<unknown, unknown>;
  /** The selection below this field, per runtime object type, collected on first use. */
  sub: Map<GraphQLObjectType, FieldPlan[]>;
}

interface Path {
  prev: Path | undefined;
  key: string | number;
}

interface Run {
  context: unknown;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
}

class Unsupported extends Error {}

const EMPTY_ARGS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

export function compileQuery(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): CompiledQuery | undefined {
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null) as Record<string, FragmentDefinitionNode>;
  let operation: OperationDefinitionNode | undefined;
  let operations = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    else if (definition.kind === Kind.OPERATION_DEFINITION) {
      operations++;
      if (operationName === null ? true : definition.name?.value === operationName) operation = definition;
    }
  }
  if (!operation || (operationName === null && operations !== 1) || operation.operation !== 'query') return undefined;
  const queryType = schema.getQueryType();
  if (!queryType || (operation.directives?.length ?? 0) > 0) return undefined;
  if (!selectionsArePlain(operation.selectionSet, fragments, new Set())) return undefined;

  const variableDefinitions = operation.variableDefinitions ?? [];
  let rootPlan: FieldPlan[];
  try {
    rootPlan = planFields(queryType, [operation.selectionSet]);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }

  function planFields(type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[]): FieldPlan[] {
    const fields = new Map<string, FieldNode[]>();
    const visited = new Set<string>();
    for (const set of selectionSets) collect(type, set, fields, visited);
    const plans: FieldPlan[] = [];
    for (const [key, nodes] of fields) {
      const node = nodes[0]!;
      const name = node.name.value;
      const def = name === '__typename' ? TypeNameMetaFieldDef : type.getFields()[name];
      // An unknown field is left out of the result, as graphql-js does; `__schema` and `__type` are introspection.
      if (!def) {
        if (name.startsWith('__')) throw new Unsupported();
        continue;
      }
      if (def.resolve && def.resolve.length > 3 && def !== TypeNameMetaFieldDef) throw new Unsupported();
      const named = getNamedType(def.type);
      if (isAbstractType(named) && named.resolveType && named.resolveType.length > 2) throw new Unsupported();
      const argsUseVariables = (node.arguments ?? []).some((arg) => usesVariables(arg.value));
      plans.push({
        key,
        name,
        nodes,
        parentType: type,
        type: def.type,
        resolve: def === TypeNameMetaFieldDef ? undefined : (def.resolve as FieldPlan['resolve']),
        args: def.args.length === 0 ? EMPTY_ARGS : argsUseVariables ? undefined : getArgumentValues(def, node, {}),
        argsUseVariables,
        def: def as GraphQLField<unknown, unknown>,
        sub: new Map(),
      });
    }
    return plans;
  }

  function collect(type: GraphQLObjectType, set: SelectionSetNode, fields: Map<string, FieldNode[]>, visited: Set<string>): void {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const list = fields.get(key);
        if (list) list.push(selection);
        else fields.set(key, [selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (matches(selection.typeCondition, type)) collect(type, selection.selectionSet, fields, visited);
      } else {
        const name = selection.name.value;
        if (visited.has(name)) continue;
        visited.add(name);
        const fragment = fragments[name];
        if (fragment && matches(fragment.typeCondition, type)) collect(type, fragment.selectionSet, fields, visited);
      }
    }
  }

  function matches(condition: FragmentDefinitionNode['typeCondition'] | undefined, type: GraphQLObjectType): boolean {
    if (!condition) return true;
    const conditional = typeFromAST(schema, condition);
    if (conditional === type) return true;
    return isAbstractType(conditional) ? schema.isSubType(conditional, type) : false;
  }

  function subPlan(field: FieldPlan, type: GraphQLObjectType): FieldPlan[] {
    let plan = field.sub.get(type);
    if (!plan) {
      if (type.isTypeOf) throw new Unsupported();
      plan = planFields(
        type,
        field.nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : [])),
      );
      field.sub.set(type, plan);
    }
    return plan;
  }

  // ---- execution: graphql-js 16's executeFields / executeField / completeValue, over the plan ----

  function executeFields(run: Run, plans: FieldPlan[], source: unknown, path: Path | undefined): unknown {
    const results = Object.create(null) as Record<string, unknown>;
    let containsPromise = false;
    for (const field of plans) {
      const result = executeField(run, field, source, { prev: path, key: field.key });
      results[field.key] = result;
      if (isPromise(result)) containsPromise = true;
    }
    return containsPromise ? promiseForObject(results) : results;
  }

  function executeField(run: Run, field: FieldPlan, source: unknown, path: Path): unknown {
    try {
      let result: unknown;
      if (field.def === TypeNameMetaFieldDef) result = field.parentType.name;
      else if (field.resolve) {
        const args = field.args ?? getArgumentValues(field.def, field.nodes[0]!, run.variables);
        result = field.resolve(source, args, run.context, undefined);
      } else result = readProperty(source, field, run);
      const completed = isPromise(result)
        ? result.then((resolved) => completeValue(run, field, field.type, path, resolved))
        : completeValue(run, field, field.type, path, result);
      if (isPromise(completed)) {
        return completed.then(undefined, (raw: unknown) => handleFieldError(run, locate(raw, field, path), field.type));
      }
      return completed;
    } catch (raw) {
      return handleFieldError(run, locate(raw, field, path), field.type);
    }
  }

  function readProperty(source: unknown, field: FieldPlan, run: Run): unknown {
    if ((typeof source !== 'object' || source === null) && typeof source !== 'function') return undefined;
    const property = (source as Record<string, unknown>)[field.name];
    if (typeof property !== 'function') return property;
    const args = field.args ?? getArgumentValues(field.def, field.nodes[0]!, run.variables);
    return (property as (...a: unknown[]) => unknown).call(source, args, run.context, undefined);
  }

  function completeValue(run: Run, field: FieldPlan, type: GraphQLOutputType, path: Path, result: unknown): unknown {
    if (result instanceof Error) throw result;
    if (isNonNullType(type)) {
      const completed = completeValue(run, field, type.ofType, path, result);
      if (completed === null) throw new Error(`Cannot return null for non-nullable field ${field.parentType.name}.${field.name}.`);
      return completed;
    }
    if (result == null) return null;
    if (isListType(type)) return completeList(run, field, type.ofType, path, result);
    if (isLeafType(type)) return completeLeaf(type, result);
    if (isAbstractType(type)) return completeAbstract(run, field, type, path, result);
    return executeFields(run, subPlan(field, type as GraphQLObjectType), result, path);
  }

  function completeList(run: Run, field: FieldPlan, itemType: GraphQLOutputType, path: Path, result: unknown): unknown {
    if (!isIterable(result)) {
      throw new GraphQLError(`Expected Iterable, but did not find one for field "${field.parentType.name}.${field.name}".`);
    }
    let containsPromise = false;
    const completed = Array.from(result, (item, index) => {
      const itemPath: Path = { prev: path, key: index };
      try {
        const value = isPromise(item)
          ? item.then((resolved) => completeValue(run, field, itemType, itemPath, resolved))
          : completeValue(run, field, itemType, itemPath, item);
        if (isPromise(value)) {
          containsPromise = true;
          return value.then(undefined, (raw: unknown) => handleFieldError(run, locate(raw, field, itemPath), itemType));
        }
        return value;
      } catch (raw) {
        return handleFieldError(run, locate(raw, field, itemPath), itemType);
      }
    });
    return containsPromise ? Promise.all(completed) : completed;
  }

  function completeAbstract(run: Run, field: FieldPlan, type: GraphQLAbstractType, path: Path, result: unknown): unknown {
    // Plans exist only for types whose resolveType reads the value (and perhaps the context), never `info`.
    const resolveType = type.resolveType ?? defaultResolveType;
    const runtime = resolveType(result, run.context, undefined as never, type);
    const complete = (name: unknown) => executeFields(run, subPlan(field, runtimeType(type, name, field, result)), result, path);
    return isPromise(runtime) ? runtime.then(complete) : complete(runtime);
  }

  function runtimeType(type: GraphQLAbstractType, name: unknown, field: FieldPlan, value: unknown): GraphQLObjectType {
    const where = `"${field.parentType.name}.${field.name}"`;
    if (name == null) {
      throw new GraphQLError(
        `Abstract type "${type.name}" must resolve to an Object type at runtime for field ${where}. Either the "${type.name}" type should provide a "resolveType" function or each possible type should provide an "isTypeOf" function.`,
        { nodes: field.nodes },
      );
    }
    if (typeof name !== 'string') {
      throw new GraphQLError(
        `Abstract type "${type.name}" must resolve to an Object type at runtime for field ${where} with value ${describe(value)}, received "${describe(name)}".`,
      );
    }
    const runtime = schema.getType(name);
    if (runtime == null) {
      throw new GraphQLError(`Abstract type "${type.name}" was resolved to a type "${name}" that does not exist inside the schema.`, { nodes: field.nodes });
    }
    if (!isObjectType(runtime)) {
      throw new GraphQLError(`Abstract type "${type.name}" was resolved to a non-object type "${name}".`, { nodes: field.nodes });
    }
    if (!schema.isSubType(type, runtime)) {
      throw new GraphQLError(`Runtime Object type "${runtime.name}" is not a possible type for "${type.name}".`, { nodes: field.nodes });
    }
    return runtime;
  }

  function handleFieldError(run: Run, error: GraphQLError, type: GraphQLOutputType): null {
    if (isNonNullType(type)) throw error;
    run.errors.push(error);
    return null;
  }

  function locate(raw: unknown, field: FieldPlan, path: Path): GraphQLError {
    return locatedError(raw, field.nodes, pathToArray(path));
  }

  return (context, rawVariables) => {
    const coerced = getVariableValues(schema, variableDefinitions, rawVariables ?? {}, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    const run: Run = { context, variables: coerced.coerced, errors: [] };
    const respond = (data: unknown): ExecutionResult =>
      run.errors.length === 0 ? { data: data as ExecutionResult['data'] } : { errors: run.errors, data: data as ExecutionResult['data'] };
    let data: unknown;
    try {
      data = executeFields(run, rootPlan, undefined, undefined);
    } catch (error) {
      run.errors.push(error as GraphQLError);
      return respond(null);
    }
    if (!isPromise(data)) return respond(data);
    return data.then(respond, (error: unknown) => {
      run.errors.push(error as GraphQLError);
      return respond(null);
    });
  };
}

/** Directives make the selection depend on variables; graphql-js keeps those. */
function selectionsArePlain(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, seen: Set<string>): boolean {
  for (const selection of set.selections) {
    if ((selection.directives?.length ?? 0) > 0) return false;
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      if (seen.has(name)) continue;
      seen.add(name);
      const fragment = fragments[name];
      if (!fragment || (fragment.directives?.length ?? 0) > 0 || !selectionsArePlain(fragment.selectionSet, fragments, seen)) return false;
    } else if (selection.selectionSet && !selectionsArePlain(selection.selectionSet, fragments, seen)) return false;
  }
  return true;
}

function usesVariables(value: import('graphql').ValueNode): boolean {
  if (value.kind === Kind.VARIABLE) return true;
  if (value.kind === Kind.LIST) return value.values.some(usesVariables);
  if (value.kind === Kind.OBJECT) return value.fields.some((field) => usesVariables(field.value));
  return false;
}

function completeLeaf(type: GraphQLLeafType, result: unknown): unknown {
  const serialized = type.serialize(result);
  if (serialized == null) {
    throw new Error(`Expected \`${type.name}.serialize(${describe(result)})\` to return non-nullable value, returned: ${describe(serialized)}`);
  }
  return serialized;
}

function defaultResolveType(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (value as { __typename?: unknown }).__typename : undefined;
}

function pathToArray(path: Path | undefined): Array<string | number> {
  const keys: Array<string | number> = [];
  for (let p = path; p; p = p.prev) keys.push(p.key);
  return keys.reverse();
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function promiseForObject(object: Record<string, unknown>): Promise<Record<string, unknown>> {
  const keys = Object.keys(object);
  return Promise.all(keys.map((key) => object[key])).then((values) => {
    const resolved = Object.create(null) as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) resolved[keys[i]!] = values[i];
    return resolved;
  });
}


// graphql-js's own helpers (internal to graphql, not its public API), so that values print and
// promises and lists are recognised exactly as its executor does.
import { inspect as describe } from 'graphql/jsutils/inspect.js';
import { isIterableObject as isIterable } from 'graphql/jsutils/isIterableObject.js';
import { isPromise } from 'graphql/jsutils/isPromise.js';
import {
  GraphQLError,
  GraphQLID,
  GraphQLString,
  TypeNameMetaFieldDef,
  defaultTypeResolver,
  getArgumentValues,
  getVariableValues,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  locatedError,
  responsePathAsArray,
  typeFromAST,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLAbstractType,
  type GraphQLLeafType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type VariableDefinitionNode,
} from 'graphql';
import { planQuery, subPlan, type FieldPlan, type QueryPlan } from './plan.js';

/**
 * Executes a query plan (plan.ts) the way graphql-js 16 executes the operation: the same resolver
 * calls (with a real resolve info), the same completion, null propagation, error positions, messages
 * and paths, and the same promise structure, so errors come out in the same order
 * (test/unit/compile.test.ts holds the two side by side). What it saves is graphql-js's per-request
 * field collection and lookups and their garbage (bench/findings.md). An operation without a plan
 * (one with directives) gets undefined here, and graphql-js executes it.
 */
export type CompiledQuery = (
  contextValue: unknown,
  rawVariables: Record<string, unknown> | null | undefined,
) => ExecutionResult | Promise<ExecutionResult>;

export function compileQuery(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): CompiledQuery | undefined {
  const plan = planQuery(schema, document, operationName);
  if (!plan) return undefined;
  const strings = stringVariables(schema, plan.operation.variableDefinitions ?? []);
  return (context, rawVariables) => execute(plan, context, rawVariables, strings);
}

/**
 * The names of the operation's variables when each is a String or ID (nullable or not) with no
 * default, as most operations' are (`$projectId: String!, $jobId: String!`); undefined otherwise.
 * Given a string, graphql-js's coercion of these returns it unchanged: that much is done here
 * without it, and anything else (a missing, null or non-string value, other types) is left to it.
 */
function stringVariables(schema: GraphQLSchema, definitions: readonly VariableDefinitionNode[]): string[] | undefined {
  const names: string[] = [];
  for (const definition of definitions) {
    const type = typeFromAST(schema, definition.type);
    const named = type && isNonNullType(type) ? type.ofType : type;
    if (definition.defaultValue || (named !== GraphQLString && named !== GraphQLID)) return undefined;
    names.push(definition.variable.name.value);
  }
  return names;
}

/** getVariableValues's answer for string variables given as strings, or undefined for it to judge. */
function givenStrings(names: string[], raw: Record<string, unknown>): Record<string, unknown> | undefined {
  const coerced = Object.create(null) as Record<string, unknown>;
  for (const name of names) {
    const value = raw[name];
    if (typeof value !== 'string' || !Object.hasOwn(raw, name)) return undefined;
    coerced[name] = value;
  }
  return coerced;
}

/** graphql-js's Path: resolvers see it as `info.path`, and error positions are tracked by identity. */
interface Path {
  readonly prev: Path | undefined;
  readonly key: string | number;
  readonly typename: string | undefined;
}

interface Run {
  plan: QueryPlan;
  context: unknown;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  /** Positions already nulled by an error: a later error at or below one is dropped (graphql-js's CollectedErrors). */
  nulled: Set<Path | undefined> | undefined;
}

function execute(
  plan: QueryPlan,
  context: unknown,
  rawVariables: Record<string, unknown> | null | undefined,
  strings: string[] | undefined,
): ExecutionResult | Promise<ExecutionResult> {
  let variables = strings && givenStrings(strings, rawVariables ?? {});
  if (!variables) {
    const coerced = getVariableValues(plan.schema, plan.operation.variableDefinitions ?? [], rawVariables ?? {}, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    variables = coerced.coerced;
  }
  const run: Run = { plan, context, variables, errors: [], nulled: undefined };
  const respond = (data: unknown): ExecutionResult =>
    run.errors.length === 0 ? { data: data as ExecutionResult['data'] } : { errors: run.errors, data: data as ExecutionResult['data'] };
  let data: unknown;
  try {
    data = executeFields(run, plan.root, undefined, undefined);
  } catch (error) {
    addError(run, error as GraphQLError, undefined);
    return respond(null);
  }
  if (!isPromise(data)) return respond(data);
  return data.then(respond, (error: unknown) => {
    addError(run, error as GraphQLError, undefined);
    return respond(null);
  });
}

function infoFor(run: Run, field: FieldPlan, path: Path): GraphQLResolveInfo {
  return {
    fieldName: field.name,
    fieldNodes: field.nodes,
    returnType: field.type,
    parentType: field.parentType,
    path,
    schema: run.plan.schema,
    fragments: run.plan.fragments,
    rootValue: undefined,
    operation: run.plan.operation,
    variableValues: run.variables,
    // graphql-tools widens this type with helpers graphql-js's own execute does not provide either.
  } as unknown as GraphQLResolveInfo;
}

function executeFields(run: Run, plans: FieldPlan[], source: unknown, path: Path | undefined): unknown {
  const results = newResultObject(run);
  let containsPromise = false;
  try {
    for (const field of plans) {
      const result = field.plainLeaf
        ? readLeaf(run, field, field.plainLeaf, source, path)
        : executeField(run, field, source, { prev: path, key: field.key, typename: field.parentType.name });
      results[field.key] = result;
      if (isPromise(result)) containsPromise = true;
    }
  } catch (error) {
    // The fields already started may still reject: wait for them, so their errors land (or are dropped) first.
    if (containsPromise) {
      return awaitFields(run, results).finally(() => {
        throw error;
      });
    }
    throw error;
  }
  return containsPromise ? awaitFields(run, results) : results;
}

function newResultObject(run: Run): Record<string, unknown> {
  return run.plan.plainObjects ? {} : (Object.create(null) as Record<string, unknown>);
}

/** graphql-js's promiseForObject (the same promises, so the same order of events), making the plan's kind of object. */
function awaitFields(run: Run, results: Record<string, unknown>): Promise<Record<string, unknown>> {
  return Promise.all(Object.values(results)).then((resolvedValues) => {
    const resolved = newResultObject(run);
    const keys = Object.keys(results);
    for (let i = 0; i < keys.length; i++) resolved[keys[i]!] = resolvedValues[i];
    return resolved;
  });
}

function executeField(run: Run, field: FieldPlan, source: unknown, path: Path): unknown {
  // __typename is the one field every selection may have; its answer needs no resolver call.
  if (field.def === TypeNameMetaFieldDef) return field.parentType.name;
  // graphql-js builds this for every field; here only for fields where something may read it.
  const info = field.needsInfo ? infoFor(run, field, path) : undefined;
  let result: unknown;
  try {
    // Arguments are coerced for every call, as graphql-js does: a resolver may keep or change its args object.
    const args =
      field.def.args.length === 0
        ? {}
        : (fromVariables(field, run.variables) ?? getArgumentValues(field.def, field.nodes[0]!, run.variables));
    result = field.resolve ? field.resolve(source, args, run.context, info!) : readProperty(run, field, source, args, info, path);
  } catch (raw) {
    return handleFieldError(run, locate(raw, field, path), field.type, path);
  }
  return completeField(run, field, info, path, result);
}

/**
 * getArgumentValues's answer when each argument is a variable with a value or is not given:
 * graphql-js hands a variable's (already coerced) value on as it is, and an argument not given its
 * default, if any. A variable absent or null (defaults, non-null checks, their errors) is left to it.
 */
function fromVariables(field: FieldPlan, variables: Record<string, unknown>): Record<string, unknown> | undefined {
  const plan = field.variableArgs;
  if (!plan) return undefined;
  const args: Record<string, unknown> = {};
  for (const arg of plan) {
    if (arg.variable === undefined) {
      args[arg.name] = arg.value;
      continue;
    }
    const value = variables[arg.variable];
    if (value == null || !Object.hasOwn(variables, arg.variable)) return undefined;
    args[arg.name] = value;
  }
  return args;
}

/** graphql-js's completion of a resolved value, with a failure anywhere below made this field's error. */
function completeField(run: Run, field: FieldPlan, info: GraphQLResolveInfo | undefined, path: Path, result: unknown): unknown {
  try {
    const completed = isPromise(result)
      ? result.then((resolved) => completeValue(run, field, info, field.type, path, resolved))
      : completeValue(run, field, info, field.type, path, result);
    if (isPromise(completed)) {
      return completed.then(undefined, (raw: unknown) => handleFieldError(run, locate(raw, field, path), field.type, path));
    }
    return completed;
  } catch (raw) {
    return handleFieldError(run, locate(raw, field, path), field.type, path);
  }
}

/**
 * A plain scalar or enum property, the common case, without the general path's path object, args
 * and closures. Anything unusual (a method, an Error, null where the type forbids it, a value the
 * type cannot serialize) goes the general way, which reports it exactly as graphql-js would.
 */
function readLeaf(run: Run, field: FieldPlan, type: GraphQLLeafType, source: unknown, parent: Path | undefined): unknown {
  const value =
    (typeof source === 'object' && source !== null) || typeof source === 'function'
      ? (source as Record<string, unknown>)[field.name]
      : undefined;
  if (value === null || value === undefined) {
    if (!field.nonNull) return null;
  } else if (typeof value !== 'function' && !isPromise(value) && !(value instanceof Error)) {
    try {
      const serialized = type.serialize(value);
      if (serialized !== null && serialized !== undefined) return serialized;
    } catch {
      // reported below, with its path
    }
  }
  const path: Path = { prev: parent, key: field.key, typename: field.parentType.name };
  // A method is called as graphql-js's default resolver calls it; any other value is completed as read.
  if (typeof value === 'function') return executeField(run, field, source, path);
  return completeField(run, field, undefined, path, value);
}

/** graphql-js's default resolver: the source's property, called with (args, context, info) when it is a method. */
function readProperty(
  run: Run,
  field: FieldPlan,
  source: unknown,
  args: unknown,
  info: GraphQLResolveInfo | undefined,
  path: Path,
): unknown {
  if ((typeof source !== 'object' || source === null) && typeof source !== 'function') return undefined;
  const property = (source as Record<string, unknown>)[field.name];
  if (typeof property !== 'function') return property;
  return (property as (...a: unknown[]) => unknown).call(source, args, run.context, info ?? infoFor(run, field, path));
}

function completeValue(
  run: Run,
  field: FieldPlan,
  info: GraphQLResolveInfo | undefined,
  type: GraphQLOutputType,
  path: Path,
  result: unknown,
): unknown {
  if (result instanceof Error) throw result;
  if (isNonNullType(type)) {
    const completed = completeValue(run, field, info, type.ofType, path, result);
    if (completed === null) throw new Error(`Cannot return null for non-nullable field ${field.parentType.name}.${field.name}.`);
    return completed;
  }
  if (result == null) return null;
  if (isListType(type)) return completeList(run, field, info, type.ofType, path, result);
  if (isLeafType(type)) return completeLeaf(type, result);
  if (isAbstractType(type)) return completeAbstract(run, field, info!, type, path, result);
  return completeObject(run, field, info, type as GraphQLObjectType, path, result);
}

function completeObject(
  run: Run,
  field: FieldPlan,
  info: GraphQLResolveInfo | undefined,
  type: GraphQLObjectType,
  path: Path,
  result: unknown,
): unknown {
  const plan = subPlan(run.plan, field, type);
  if (type.isTypeOf) {
    const isTypeOf = type.isTypeOf(result, run.context, info ?? infoFor(run, field, path));
    if (isPromise(isTypeOf)) {
      return isTypeOf.then((resolved) => {
        if (!resolved) throw invalidReturnType(type, result, field);
        return executeFields(run, plan, result, path);
      });
    }
    if (!isTypeOf) throw invalidReturnType(type, result, field);
  }
  return executeFields(run, plan, result, path);
}

const ARRAY_ITERATOR = Array.prototype[Symbol.iterator];

function completeList(
  run: Run,
  field: FieldPlan,
  info: GraphQLResolveInfo | undefined,
  itemType: GraphQLOutputType,
  path: Path,
  result: unknown,
): unknown {
  if (!isIterable(result)) {
    throw new GraphQLError(`Expected Iterable, but did not find one for field "${field.parentType.name}.${field.name}".`);
  }
  let completed: unknown[];
  let containsPromise = false;
  // An array by index (its own iterator would walk it so), anything else as Array.from walks it.
  if (Array.isArray(result) && result[Symbol.iterator] === ARRAY_ITERATOR) {
    // Sized up front (cheaper than growing it); the length is read per item as the iterator does,
    // should completing an item change the list.
    completed = new Array<unknown>(result.length);
    let index = 0;
    for (; index < result.length; index++) {
      const value = completeItem(run, field, info, itemType, path, index, result[index]);
      if (isPromise(value)) containsPromise = true;
      completed[index] = value;
    }
    if (completed.length !== index) completed.length = index;
  } else {
    completed = [];
    let index = 0;
    for (const item of result) {
      const value = completeItem(run, field, info, itemType, path, index++, item);
      if (isPromise(value)) containsPromise = true;
      completed.push(value);
    }
  }
  return containsPromise ? Promise.all(completed) : completed;
}

/** One list item, completed as graphql-js's completeListValue completes it (its errors at the item's path). */
function completeItem(
  run: Run,
  field: FieldPlan,
  info: GraphQLResolveInfo | undefined,
  itemType: GraphQLOutputType,
  path: Path,
  index: number,
  item: unknown,
): unknown {
  const itemPath: Path = { prev: path, key: index, typename: undefined };
  try {
    const value = isPromise(item)
      ? item.then((resolved) => completeValue(run, field, info, itemType, itemPath, resolved))
      : completeValue(run, field, info, itemType, itemPath, item);
    if (isPromise(value)) {
      return value.then(undefined, (raw: unknown) => handleFieldError(run, locate(raw, field, itemPath), itemType, itemPath));
    }
    return value;
  } catch (raw) {
    return handleFieldError(run, locate(raw, field, itemPath), itemType, itemPath);
  }
}

function completeAbstract(
  run: Run,
  field: FieldPlan,
  info: GraphQLResolveInfo,
  type: GraphQLAbstractType,
  path: Path,
  result: unknown,
): unknown {
  const resolveType = type.resolveType ?? defaultTypeResolver;
  const runtime = resolveType(result, run.context, info, type);
  const complete = (name: unknown) => completeObject(run, field, info, runtimeType(run, type, name, field, result), path, result);
  return isPromise(runtime) ? runtime.then(complete) : complete(runtime);
}

function runtimeType(run: Run, type: GraphQLAbstractType, name: unknown, field: FieldPlan, value: unknown): GraphQLObjectType {
  const where = `"${field.parentType.name}.${field.name}"`;
  if (name == null) {
    throw new GraphQLError(
      `Abstract type "${type.name}" must resolve to an Object type at runtime for field ${where}. Either the "${type.name}" type should provide a "resolveType" function or each possible type should provide an "isTypeOf" function.`,
      { nodes: field.nodes },
    );
  }
  if (isObjectType(name)) {
    throw new GraphQLError(
      'Support for returning GraphQLObjectType from resolveType was removed in graphql-js@16.0.0 please return type name instead.',
    );
  }
  if (typeof name !== 'string') {
    throw new GraphQLError(
      `Abstract type "${type.name}" must resolve to an Object type at runtime for field ${where} with value ${describe(value)}, received "${describe(name)}".`,
    );
  }
  const runtime = run.plan.schema.getType(name);
  if (runtime == null) {
    throw new GraphQLError(`Abstract type "${type.name}" was resolved to a type "${name}" that does not exist inside the schema.`, {
      nodes: field.nodes,
    });
  }
  if (!isObjectType(runtime)) {
    throw new GraphQLError(`Abstract type "${type.name}" was resolved to a non-object type "${name}".`, { nodes: field.nodes });
  }
  if (!run.plan.schema.isSubType(type, runtime)) {
    throw new GraphQLError(`Runtime Object type "${runtime.name}" is not a possible type for "${type.name}".`, { nodes: field.nodes });
  }
  return runtime;
}

function handleFieldError(run: Run, error: GraphQLError, type: GraphQLOutputType, path: Path): null {
  if (isNonNullType(type)) throw error;
  addError(run, error, path);
  return null;
}

function locate(raw: unknown, field: FieldPlan, path: Path): GraphQLError {
  return locatedError(raw, field.nodes, responsePathAsArray(path));
}

/** An error at a position not already nulled by another: below a nulled position it is noise. */
function addError(run: Run, error: GraphQLError, path: Path | undefined): void {
  if (run.nulled) {
    for (let p = path; p !== undefined; p = p.prev) if (run.nulled.has(p)) return;
    if (run.nulled.has(undefined)) return;
  }
  // Made on the first error: most answers have none.
  (run.nulled ??= new Set()).add(path);
  run.errors.push(error);
}

function invalidReturnType(type: GraphQLObjectType, result: unknown, field: FieldPlan): GraphQLError {
  return new GraphQLError(`Expected value of type "${type.name}" but got: ${describe(result)}.`, { nodes: field.nodes });
}

function completeLeaf(type: GraphQLLeafType, result: unknown): unknown {
  const serialized = type.serialize(result);
  if (serialized == null) {
    throw new Error(
      `Expected \`${type.name}.serialize(${describe(result)})\` to return non-nullable value, returned: ${describe(serialized)}`,
    );
  }
  return serialized;
}

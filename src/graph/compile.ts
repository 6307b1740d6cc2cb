// graphql-js's own value printer (internal to graphql, not its public API), so messages read exactly as its executor's would.
import { inspect as describe } from 'graphql/jsutils/inspect.js';
import {
  GraphQLError,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  defaultTypeResolver,
  getVariableValues,
  getArgumentValues,
  getNamedType,
  responsePathAsArray,
  isAbstractType,
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
  type GraphQLNamedType,
  type GraphQLNonNull,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * A query plan for one validated operation: the field collection, field lookups and type checks
 * graphql-js's `execute` redoes for every request and every list item, done once per document.
 * Executing the plan follows graphql-js 16 step for step: the same resolver calls (with a real
 * resolve info), the same completion, null propagation, error positions, messages and paths, and the
 * same promise structure, so errors come out in the same order (test/unit/compile.test.ts holds the
 * two side by side). What it saves is the per-request collection and lookups and their garbage, a
 * quarter of the gateway's allocations (bench/findings.md).
 *
 * `@skip` and `@include` make the selection depend on variables, so an operation with any directive
 * gets no plan (`compileQuery` returns undefined) and graphql-js executes it.
 */
export type CompiledQuery = (contextValue: unknown, rawVariables: Record<string, unknown> | null | undefined) => ExecutionResult | Promise<ExecutionResult>;

interface FieldPlan {
  key: string;
  name: string;
  nodes: FieldNode[];
  parentType: GraphQLObjectType;
  type: GraphQLOutputType;
  def: GraphQLField<unknown, unknown>;
  /** Undefined: graphql-js's default resolver (read the property, call it if it is a method). */
  resolve: GraphQLField<unknown, unknown>['resolve'];
  /** The selection below this field, per runtime object type, collected on first use. */
  sub: Map<GraphQLObjectType, FieldPlan[]>;
  /** A scalar or enum read straight off the source (no resolver, no arguments): most fields, and the quick case. */
  plainLeaf: GraphQLLeafType | undefined;
  nonNull: boolean;
  /** Whether anything may read the resolve info: a resolver, resolveType (abstract types) or isTypeOf. */
  needsInfo: boolean;
}

/** graphql-js's Path: resolvers see it as `info.path`, and error positions are tracked by identity. */
interface Path {
  readonly prev: Path | undefined;
  readonly key: string | number;
  readonly typename: string | undefined;
}

interface Run {
  context: unknown;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  /** Positions already nulled by an error: a later error at or below one is dropped (graphql-js's CollectedErrors). */
  nulled: Set<Path | undefined>;
}

export function compileQuery(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): CompiledQuery | undefined {
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null) as Record<string, FragmentDefinitionNode>;
  let operation: OperationDefinitionNode | undefined;
  let operations = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    else if (definition.kind === Kind.OPERATION_DEFINITION) {
      operations++;
      if (operationName === null || definition.name?.value === operationName) operation = definition;
    }
  }
  if (!operation || (operationName === null && operations !== 1) || operation.operation !== 'query') return undefined;
  const queryType = schema.getQueryType();
  if (!queryType || (operation.directives?.length ?? 0) > 0) return undefined;
  if (!selectionsArePlain(operation.selectionSet, fragments, new Set())) return undefined;

  const variableDefinitions = operation.variableDefinitions ?? [];
  const rootPlan = planFields(queryType, [operation.selectionSet]);

  function planFields(type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[]): FieldPlan[] {
    const fields = new Map<string, FieldNode[]>();
    const visited = new Set<string>();
    for (const set of selectionSets) collect(type, set, fields, visited);
    const plans: FieldPlan[] = [];
    for (const [key, nodes] of fields) {
      const def = fieldDef(type, nodes[0]!.name.value);
      // A field the type does not have is left out of the result, as graphql-js does.
      if (!def) continue;
      const nonNull = isNonNullType(def.type);
      const nullable = nonNull ? (def.type as GraphQLNonNull<GraphQLOutputType>).ofType : def.type;
      const plain = !def.resolve && def.args.length === 0 && def !== TypeNameMetaFieldDef && isLeafType(nullable);
      plans.push({
        key,
        name: def.name,
        nodes,
        parentType: type,
        type: def.type,
        def,
        resolve: def.resolve,
        sub: new Map(),
        plainLeaf: plain ? (nullable as GraphQLLeafType) : undefined,
        nonNull,
        needsInfo: Boolean(def.resolve) || readsInfo(getNamedType(def.type)),
      });
    }
    return plans;
  }

  function fieldDef(type: GraphQLObjectType, name: string): GraphQLField<unknown, unknown> | undefined {
    if (type === queryType && name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (type === queryType && name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    return type.getFields()[name];
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
      plan = planFields(
        type,
        field.nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : [])),
      );
      field.sub.set(type, plan);
    }
    return plan;
  }

  function infoFor(run: Run, field: FieldPlan, path: Path): GraphQLResolveInfo {
    return {
      fieldName: field.name,
      fieldNodes: field.nodes,
      returnType: field.type,
      parentType: field.parentType,
      path,
      schema,
      fragments,
      rootValue: undefined,
      operation: operation!,
      variableValues: run.variables,
      // graphql-tools widens this type with helpers graphql-js's own execute does not provide either.
    } as unknown as GraphQLResolveInfo;
  }

  // ---- execution: graphql-js 16's executeFields / executeField / completeValue, over the plan ----

  function executeFields(run: Run, plans: FieldPlan[], source: unknown, path: Path | undefined): unknown {
    const results = Object.create(null) as Record<string, unknown>;
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
        return promiseForObject(results).finally(() => {
          throw error;
        });
      }
      throw error;
    }
    return containsPromise ? promiseForObject(results) : results;
  }

  function executeField(run: Run, field: FieldPlan, source: unknown, path: Path): unknown {
    // __typename is the one field every selection may have; its answer needs no resolver call.
    if (field.def === TypeNameMetaFieldDef) return field.parentType.name;
    // graphql-js builds this for every field; here only for fields where something may read it.
    const info = field.needsInfo ? infoFor(run, field, path) : undefined;
    let result: unknown;
    try {
      // Arguments are coerced for every call, as graphql-js does: a resolver may keep or change its args object.
      const args = field.def.args.length === 0 ? {} : getArgumentValues(field.def, field.nodes[0]!, run.variables);
      result = field.resolve ? field.resolve(source, args, run.context, info!) : readProperty(run, field, source, args, info, path);
    } catch (raw) {
      return handleFieldError(run, locate(raw, field, path), field.type, path);
    }
    return completeField(run, field, info, path, result);
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
    const value = (typeof source === 'object' && source !== null) || typeof source === 'function' ? (source as Record<string, unknown>)[field.name] : undefined;
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
  function readProperty(run: Run, field: FieldPlan, source: unknown, args: unknown, info: GraphQLResolveInfo | undefined, path: Path): unknown {
    if ((typeof source !== 'object' || source === null) && typeof source !== 'function') return undefined;
    const property = (source as Record<string, unknown>)[field.name];
    if (typeof property !== 'function') return property;
    return (property as (...a: unknown[]) => unknown).call(source, args, run.context, info ?? infoFor(run, field, path));
  }

  function completeValue(run: Run, field: FieldPlan, info: GraphQLResolveInfo | undefined, type: GraphQLOutputType, path: Path, result: unknown): unknown {
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

  function completeObject(run: Run, field: FieldPlan, info: GraphQLResolveInfo | undefined, type: GraphQLObjectType, path: Path, result: unknown): unknown {
    const plan = subPlan(field, type);
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

  function completeList(run: Run, field: FieldPlan, info: GraphQLResolveInfo | undefined, itemType: GraphQLOutputType, path: Path, result: unknown): unknown {
    if (!isIterable(result)) {
      throw new GraphQLError(`Expected Iterable, but did not find one for field "${field.parentType.name}.${field.name}".`);
    }
    let containsPromise = false;
    const completed = Array.from(result, (item, index) => {
      const itemPath: Path = { prev: path, key: index, typename: undefined };
      try {
        const value = isPromise(item)
          ? item.then((resolved) => completeValue(run, field, info, itemType, itemPath, resolved))
          : completeValue(run, field, info, itemType, itemPath, item);
        if (isPromise(value)) {
          containsPromise = true;
          return value.then(undefined, (raw: unknown) => handleFieldError(run, locate(raw, field, itemPath), itemType, itemPath));
        }
        return value;
      } catch (raw) {
        return handleFieldError(run, locate(raw, field, itemPath), itemType, itemPath);
      }
    });
    return containsPromise ? Promise.all(completed) : completed;
  }

  function completeAbstract(run: Run, field: FieldPlan, info: GraphQLResolveInfo, type: GraphQLAbstractType, path: Path, result: unknown): unknown {
    const resolveType = type.resolveType ?? defaultTypeResolver;
    const runtime = resolveType(result, run.context, info, type);
    const complete = (name: unknown) => completeObject(run, field, info, runtimeType(type, name, field, result), path, result);
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
    if (isObjectType(name)) {
      throw new GraphQLError('Support for returning GraphQLObjectType from resolveType was removed in graphql-js@16.0.0 please return type name instead.');
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

  function handleFieldError(run: Run, error: GraphQLError, type: GraphQLOutputType, path: Path): null {
    if (isNonNullType(type)) throw error;
    addError(run, error, path);
    return null;
  }

  function locate(raw: unknown, field: FieldPlan, path: Path): GraphQLError {
    return locatedError(raw, field.nodes, responsePathAsArray(path));
  }

  return (context, rawVariables) => {
    const coerced = getVariableValues(schema, variableDefinitions, rawVariables ?? {}, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    const run: Run = { context, variables: coerced.coerced, errors: [], nulled: new Set() };
    const respond = (data: unknown): ExecutionResult =>
      run.errors.length === 0 ? { data: data as ExecutionResult['data'] } : { errors: run.errors, data: data as ExecutionResult['data'] };
    let data: unknown;
    try {
      data = executeFields(run, rootPlan, undefined, undefined);
    } catch (error) {
      addError(run, error as GraphQLError, undefined);
      return respond(null);
    }
    if (!isPromise(data)) return respond(data);
    return data.then(respond, (error: unknown) => {
      addError(run, error as GraphQLError, undefined);
      return respond(null);
    });
  };
}

/** An error at a position not already nulled by another: below a nulled position it is noise. */
function addError(run: Run, error: GraphQLError, path: Path | undefined): void {
  if (run.nulled.size > 0) {
    for (let p = path; p !== undefined; p = p.prev) if (run.nulled.has(p)) return;
    if (run.nulled.has(undefined)) return;
  }
  run.nulled.add(path);
  run.errors.push(error);
}

/** Whether completing a value of this named type may call code that reads the resolve info. */
function readsInfo(type: GraphQLNamedType): boolean {
  return isAbstractType(type) || (isObjectType(type) && Boolean(type.isTypeOf));
}

function invalidReturnType(type: GraphQLObjectType, result: unknown, field: FieldPlan): GraphQLError {
  return new GraphQLError(`Expected value of type "${type.name}" but got: ${describe(result)}.`, { nodes: field.nodes });
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

function completeLeaf(type: GraphQLLeafType, result: unknown): unknown {
  const serialized = type.serialize(result);
  if (serialized == null) {
    throw new Error(`Expected \`${type.name}.serialize(${describe(result)})\` to return non-nullable value, returned: ${describe(serialized)}`);
  }
  return serialized;
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


import {
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  isAbstractType,
  isLeafType,
  isNonNullType,
  isObjectType,
  typeFromAST,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLLeafType,
  type GraphQLNamedType,
  type GraphQLNonNull,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * What graphql-js's `execute` works out again for every request and every list item, worked out
 * once per operation: which fields each selection set yields for each runtime type (fragments
 * merged in order, aliases, type conditions), each field's definition, resolver and type. Executed
 * by compile.ts.
 */
export interface QueryPlan {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  queryType: GraphQLObjectType;
  root: FieldPlan[];
  /**
   * Whether result objects may be ordinary objects rather than null-prototype ones as graphql-js
   * makes them: V8 keeps those in dictionary mode, slower to fill and to serialize. Only a response
   * key `__proto__` (an alias) tells the two apart, and then the plan makes graphql-js's kind.
   */
  plainObjects: boolean;
}

export type VariableArg = { name: string; variable: string } | { name: string; variable: undefined; value: unknown };

export interface FieldPlan {
  /** The response key: the alias, or the field's name. */
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
  /**
   * How to make the field's arguments when each is given as a variable or not given at all
   * (`cceJob(projectId: $p, jobId: $j)`, its `region` left out): per argument, the variable to read,
   * or the default to use; an argument neither given nor defaulted is left out. Undefined otherwise.
   */
  variableArgs: VariableArg[] | undefined;
}

/**
 * The plan of the named (or only) query in a validated document; undefined for anything else, and
 * for an operation with directives: `@skip` and `@include` make the selection depend on variables.
 */
export function planQuery(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): QueryPlan | undefined {
  const fragments = Object.create(null) as Record<string, FragmentDefinitionNode>;
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
  const plan: QueryPlan = { schema, operation, fragments, queryType, root: [], plainObjects: !hasProtoKey(document) };
  plan.root = planFields(plan, queryType, [operation.selectionSet]);
  return plan;
}

/** Whether any field of the document is answered under the key `__proto__`. */
function hasProtoKey(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if ((node.alias ?? node.name).value === '__proto__') found = true;
    },
  });
  return found;
}

/** The fields below `field` when its value is of runtime type `type`. */
export function subPlan(plan: QueryPlan, field: FieldPlan, type: GraphQLObjectType): FieldPlan[] {
  let fields = field.sub.get(type);
  if (!fields) {
    fields = planFields(
      plan,
      type,
      field.nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : [])),
    );
    field.sub.set(type, fields);
  }
  return fields;
}

function planFields(plan: QueryPlan, type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[]): FieldPlan[] {
  const fields = new Map<string, FieldNode[]>();
  const visited = new Set<string>();
  for (const set of selectionSets) collect(plan, type, set, fields, visited);
  const plans: FieldPlan[] = [];
  for (const [key, nodes] of fields) {
    const def = fieldDef(plan, type, nodes[0]!.name.value);
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
      variableArgs: variableArgs(def, nodes[0]!),
    });
  }
  return plans;
}

function variableArgs(def: GraphQLField<unknown, unknown>, node: FieldNode): VariableArg[] | undefined {
  if (def.args.length === 0) return undefined;
  const args: VariableArg[] = [];
  for (const arg of def.args) {
    // The last of the same name, as graphql-js's keyMap takes it (validation allows only one).
    const value = node.arguments?.findLast((given) => given.name.value === arg.name)?.value;
    if (value?.kind === Kind.VARIABLE) args.push({ name: arg.name, variable: value.name.value });
    else if (value !== undefined) return undefined;
    else if (arg.defaultValue !== undefined) args.push({ name: arg.name, variable: undefined, value: arg.defaultValue });
    // Required and not given: graphql-js's error.
    else if (isNonNullType(arg.type)) return undefined;
  }
  return args;
}

/** graphql-js's getFieldDef: the introspection fields on the query type, __typename everywhere. */
function fieldDef(plan: QueryPlan, type: GraphQLObjectType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (type === plan.queryType && name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
  if (type === plan.queryType && name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  return type.getFields()[name];
}

/** graphql-js's collectFields: response keys in the order first seen, each fragment spread once. */
function collect(
  plan: QueryPlan,
  type: GraphQLObjectType,
  set: SelectionSetNode,
  fields: Map<string, FieldNode[]>,
  visited: Set<string>,
): void {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const list = fields.get(key);
      if (list) list.push(selection);
      else fields.set(key, [selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (matches(plan, selection.typeCondition, type)) collect(plan, type, selection.selectionSet, fields, visited);
    } else {
      const name = selection.name.value;
      if (visited.has(name)) continue;
      visited.add(name);
      const fragment = plan.fragments[name];
      if (fragment && matches(plan, fragment.typeCondition, type)) collect(plan, type, fragment.selectionSet, fields, visited);
    }
  }
}

function matches(plan: QueryPlan, condition: FragmentDefinitionNode['typeCondition'] | undefined, type: GraphQLObjectType): boolean {
  if (!condition) return true;
  const conditional = typeFromAST(plan.schema, condition);
  if (conditional === type) return true;
  return isAbstractType(conditional) ? plan.schema.isSubType(conditional, type) : false;
}

/** Whether completing a value of this named type may call code that reads the resolve info. */
function readsInfo(type: GraphQLNamedType): boolean {
  return isAbstractType(type) || (isObjectType(type) && Boolean(type.isTypeOf));
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

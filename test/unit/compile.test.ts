/**
 * Differential test of the compiled query plans (src/graph/compile.ts) against graphql-js 16's
 * `execute`: for every query in the tables below, the compiled plan and `execute` run on the same
 * schema, document, variables and (fresh, identical) context, and their results must agree in
 * every observable way: the serialized result (key order included), each error's message,
 * locations, path and extensions, the order of the errors array, whether the result came back
 * synchronously or as a promise, the result not changing after it was delivered, and unhandled
 * rejections left behind.
 *
 * The schema is purpose-made. Most of the failure behaviour is driven from the query through a
 * tiny spec language so that one query can stage a whole scenario:
 *
 *   spec  = kind [ "@" when ]
 *   kind  = "=text" (that string) | "box" (a Box object) | "null" | "undefined" | "throw"
 *         | "error" (returns an Error instance) | "reject" | a Pet kind for the Pet fields
 *   when  = n (resolve after n `await`s, i.e. microtask hops) | "t" (after setTimeout(0));
 *           without "@" the value is synchronous, except "reject", which is an already-rejected promise.
 *
 * List fields take one spec per item plus a `self` spec for the list value itself
 * ("array" | "set" | "sparse" | "backwards" | "scalar" | "string" | "null" | "throw" | "reject", with "@when").
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  GraphQLError,
  GraphQLScalarType,
  Kind,
  responsePathAsArray,
  execute,
  parse,
  validate,
  type ExecutionResult,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileQuery } from '../../src/graph/compile.js';

// ---- the spec language ---------------------------------------------------------------------------

async function delay(when: string): Promise<void> {
  if (when === 't') {
    await new Promise((resolve) => setTimeout(resolve, 0));
    return;
  }
  for (let i = 0; i < Number(when); i++) await null;
}

function outcome(kind: string, spec: string, make: (kind: string) => unknown): unknown {
  switch (kind) {
    case 'null':
      return null;
    case 'undefined':
      return undefined;
    case 'throw':
      throw new Error(`thrown by "${spec}"`);
    case 'reject':
      throw new Error(`rejected by "${spec}"`);
    case 'error':
      return new Error(`returned by "${spec}"`);
    case 'throwString':
      throw `a string thrown by "${spec}"`;
    case 'graphqlError':
      return new GraphQLError(`graphql error by "${spec}"`, { extensions: { code: 'CUSTOM', spec } });
    default:
      return make(kind);
  }
}

function perform(spec: string, make: (kind: string) => unknown): unknown {
  const at = spec.indexOf('@');
  const kind = at < 0 ? spec : spec.slice(0, at);
  if (at < 0) {
    if (kind === 'reject') return Promise.reject(new Error(`rejected by "${spec}"`));
    return outcome(kind, spec, make);
  }
  const when = spec.slice(at + 1);
  return (async () => {
    await delay(when);
    return outcome(kind, spec, make);
  })();
}

const scalar = (kind: string): unknown => (kind.startsWith('=') ? kind.slice(1) : kind);

function listOf(items: readonly string[], self: string, make: (kind: string, index: number) => unknown): unknown {
  return perform(self, (kind) => {
    // Items are made only once the list itself is due, so no rejected item waits unobserved.
    const values = items.map((item, index) => perform(item, (k) => make(k, index)));
    switch (kind) {
      case 'array':
        return values;
      case 'set':
        return new Set(values);
      case 'sparse': {
        // A hole before the items: Array.from reads it as undefined.
        const sparse: unknown[] = [];
        sparse.length = 1;
        sparse.push(...values);
        return sparse;
      }
      case 'backwards':
        // An array whose own iterator walks it last to first: Array.from follows the iterator.
        return Object.assign([...values], { [Symbol.iterator]: () => [...values].reverse()[Symbol.iterator]() });
      case 'scalar':
        return 42;
      case 'string':
        return 'not a list';
      case 'object':
        return { length: values.length, 0: values[0] };
      default:
        throw new Error(`bad list spec ${self}`);
    }
  });
}

// ---- the schema -----------------------------------------------------------------------------------

interface BoxSource {
  id: number;
}
interface PetSource {
  kind: string;
  name: string | null;
  barks?: boolean;
  lives?: number;
  id?: number;
  __typename?: unknown;
}
interface Context {
  user: string;
  bonus: number;
  petType: string;
}

const box = (id: number): BoxSource => ({ id });

function makePet(kind: string, index: number): PetSource {
  return { kind, name: `${kind}-${index}`, barks: index % 2 === 0, lives: 9 - index, id: 100 + index };
}

const typeDefs = /* GraphQL */ `
  directive @tag on QUERY | FIELD

  scalar Money

  enum Color {
    RED
    GREEN
    BLUE
  }

  input Filter {
    name: String
    tags: [String!]
    color: Color = RED
    limit: Int = 2
    money: Money
    nested: Filter
  }

  interface Pet {
    name: String!
    friends(kinds: [String!]! = []): [Pet!]
  }

  type Dog implements Pet {
    name: String!
    friends(kinds: [String!]! = []): [Pet!]
    barks: Boolean
    pack(kinds: [String!]! = ["Cat", "Dog"]): [Pet!]!
    color: Color
  }

  type Cat implements Pet {
    name: String!
    friends(kinds: [String!]! = []): [Pet!]
    lives: Int
    rivals(kinds: [String!]! = ["Dog"]): [Pet]
  }

  type Person {
    id: ID!
    name: String!
    pets(kinds: [String!]! = ["Dog"]): [Pet!]
  }

  union Thing = Dog | Cat | Person

  "No __resolveType: graphql-js's default type resolver reads __typename."
  union Untyped = Dog | Cat

  type Calc {
    name: String
    label: String
    sum(a: Int!, b: Int = 10): Int
    asyncSum(a: Int!): Int
    strict(name: String! = "d"): String
    strictFn(name: String! = "d"): String
    describe: String
  }

  type Box {
    id: Int!
    v(k: String!): String
    nn(k: String!): String!
    byId(specs: [String!]!): String
    nnById(specs: [String!]!): String!
    child(k: String = "box"): Box
    childNN(k: String = "box"): Box!
    list(items: [String!]!, self: String = "array"): [Box!]
    listNN(items: [String!]!, self: String = "array"): [Box!]!
    nullableList(items: [String!]!, self: String = "array"): [Box]
    strs(items: [String!]!, self: String = "array"): [String!]
    nullableStrs(items: [String!]!, self: String = "array"): [String]
    grid(rows: [[String!]!]!): [[Box!]]
    money(v: Float): Money
    moneyNN(v: Float): Money!
    moneyText(v: String): Money
    color(raw: String!): Color
    colorNN(raw: String!): Color!
    pet(kind: String!): Pet
    pets(kinds: [String!]!): [Pet!]
    take(from: [Int!]!): Int
    stamp: String
    withInfo: String
  }

  type Query {
    hello: String
    greet(name: String = "world", times: Int = 1): String
    greetStrict(name: String! = "strict"): String
    byId(id: ID!): String
    echo(filter: Filter, list: [Int], color: Color, money: Money, s: String = "dflt"): String
    viewer: String
    calc: Calc
    box: Box
    boxNN: Box!
    asyncBox(k: String = "box@1"): Box
    pet(kind: String!): Pet
    pets(kinds: [String!]!): [Pet]
    petGroups(groups: [[String!]]!): [[Pet!]]
    things(kinds: [String!]!): [Thing]
    untyped(names: [String]!): [Untyped]
    withInfo: String
    sneaky: String
  }

  type Mutation {
    noop: String
  }
`;

function resolvePetType(source: PetSource, context: Context): unknown {
  switch (source.kind) {
    case 'asyncDog':
      return Promise.resolve('Dog');
    case 'asyncCat':
      return (async () => {
        await null;
        await null;
        return 'Cat';
      })();
    case 'asyncGhost':
      return Promise.resolve('Ghost');
    case 'none':
      return undefined;
    case 'number':
      return 42;
    case 'throwType':
      throw new Error('resolveType threw');
    case 'rejectType':
      return Promise.reject(new Error('resolveType rejected'));
    case 'typeObject':
      return schema.getType('Dog');
    case 'ctx':
      return context.petType;
    default:
      // Dog, Cat, Person, Ghost (no such type), Color (not an object type), Box (not a Pet)...
      return source.kind;
  }
}

const petFields = {
  friends: (source: PetSource, { kinds }: { kinds: string[] }) =>
    kinds.map((kind, i) => perform(kind, (k) => makePet(k, i + (source.id ?? 0)))),
};

const resolvers = {
  Money: {
    __serialize(value: unknown) {
      if (typeof value === 'string') throw new TypeError(`Money cannot represent "${value}"`);
      if (typeof value !== 'number' || value < 0) return null;
      return `$${value.toFixed(2)}`;
    },
    __parseValue(value: unknown) {
      if (typeof value !== 'number') throw new TypeError(`Money must be a number, got ${typeof value}`);
      return Math.round(value * 100);
    },
    __parseLiteral(ast: ValueNode) {
      if (ast.kind !== Kind.FLOAT && ast.kind !== Kind.INT) throw new TypeError('Money literal must be a number');
      return Math.round(Number(ast.value) * 100);
    },
  },
  Color: { RED: 'r', GREEN: 'g', BLUE: 'b' },
  Pet: { __resolveType: resolvePetType },
  Thing: { __resolveType: resolvePetType },
  Dog: {
    ...petFields,
    pack: (source: PetSource, { kinds }: { kinds: string[] }) =>
      kinds.map((kind, i) => perform(kind, (k) => makePet(k, i + (source.id ?? 0)))),
    color: (source: PetSource) => (source.barks ? 'r' : 'b'),
  },
  Cat: {
    ...petFields,
    rivals: (_source: PetSource, { kinds }: { kinds: string[] }) => kinds.map((kind, i) => perform(kind, (k) => makePet(k, i))),
  },
  Person: {
    pets: (_source: PetSource, { kinds }: { kinds: string[] }) => kinds.map((kind, i) => perform(kind, (k) => makePet(k, i))),
  },
  Box: {
    v: (_source: BoxSource, { k }: { k: string }) => perform(k, scalar),
    nn: (_source: BoxSource, { k }: { k: string }) => perform(k, scalar),
    byId: (source: BoxSource, { specs }: { specs: string[] }) => perform(specs[source.id] ?? 'null', scalar),
    nnById: (source: BoxSource, { specs }: { specs: string[] }) => perform(specs[source.id] ?? 'null', scalar),
    child: (source: BoxSource, { k }: { k: string }) => perform(k, (kind) => (kind === 'box' ? box(source.id + 1) : kind)),
    childNN: (source: BoxSource, { k }: { k: string }) => perform(k, (kind) => (kind === 'box' ? box(source.id + 1) : kind)),
    list: (_source: BoxSource, { items, self }: { items: string[]; self: string }) =>
      listOf(items, self, (kind, i) => (kind === 'box' ? box(i) : kind)),
    listNN: (_source: BoxSource, { items, self }: { items: string[]; self: string }) =>
      listOf(items, self, (kind, i) => (kind === 'box' ? box(i) : kind)),
    nullableList: (_source: BoxSource, { items, self }: { items: string[]; self: string }) =>
      listOf(items, self, (kind, i) => (kind === 'box' ? box(i) : kind)),
    strs: (_source: BoxSource, { items, self }: { items: string[]; self: string }) => listOf(items, self, scalar),
    nullableStrs: (_source: BoxSource, { items, self }: { items: string[]; self: string }) => listOf(items, self, scalar),
    grid: (_source: BoxSource, { rows }: { rows: string[][] }) =>
      rows.map((row, r) => row.map((spec, c) => perform(spec, (kind) => (kind === 'box' ? box(r * 10 + c) : kind)))),
    money: (_source: BoxSource, { v }: { v: number | null }) => v,
    moneyNN: (_source: BoxSource, { v }: { v: number | null }) => v,
    moneyText: (_source: BoxSource, { v }: { v: string | null }) => v,
    color: (_source: BoxSource, { raw }: { raw: string }) => raw,
    colorNN: (_source: BoxSource, { raw }: { raw: string }) => raw,
    pet: (_source: BoxSource, { kind }: { kind: string }) => perform(kind, (k) => makePet(k, 0)),
    pets: (_source: BoxSource, { kinds }: { kinds: string[] }) => kinds.map((kind, i) => perform(kind, (k) => makePet(k, i))),
    // Mutates its arguments: each call must get its own argument object, as graphql-js builds one per call.
    take: (_source: BoxSource, args: { from: number[] }) => args.from.shift(),
    // Writes to the arguments object of a field without arguments (fine on graphql-js's fresh object).
    stamp: (_source: BoxSource, args: Record<string, unknown>) => {
      args.seen = (Number(args.seen) || 0) + 1;
      return JSON.stringify(args);
    },
    withInfo: (_source: BoxSource, _args: unknown, _context: unknown, info: GraphQLResolveInfo) =>
      `${info.parentType.name}.${info.fieldName}`,
  },
  Query: {
    hello: () => 'world',
    greet: (_: unknown, { name, times }: { name: string | null; times: number }) => `${'hello '.repeat(times)}${String(name)}`,
    greetStrict: (_: unknown, { name }: { name: string }) => `strict ${name}`,
    byId: (_: unknown, { id }: { id: string }) => `id ${JSON.stringify(id)}`,
    echo: (_: unknown, args: Record<string, unknown>) => JSON.stringify(args),
    viewer: (_: unknown, _args: unknown, context: Context) => `viewer:${context.user}`,
    calc: () => ({
      name: 'calc',
      label(this: { name: string }) {
        return `label of ${this.name}`;
      },
      sum: (args: { a: number; b: number }, context: Context) => args.a + args.b + context.bonus,
      asyncSum: async (args: { a: number }, context: Context) => {
        await null;
        return args.a * 2 + context.bonus;
      },
      strict: 'static',
      strictFn: (args: { name: string }) => `fn ${args.name}`,
      describe: (_args: unknown, _context: unknown, info: GraphQLResolveInfo) => `described ${info.fieldName}`,
    }),
    box: () => box(0),
    boxNN: () => box(0),
    asyncBox: (_: unknown, { k }: { k: string }) => perform(k, (kind) => (kind === 'box' ? box(0) : kind)),
    pet: (_: unknown, { kind }: { kind: string }) => perform(kind, (k) => makePet(k, 0)),
    pets: (_: unknown, { kinds }: { kinds: string[] }) => kinds.map((kind, i) => perform(kind, (k) => makePet(k, i))),
    petGroups: (_: unknown, { groups }: { groups: Array<string[] | null> }) =>
      groups.map((group, g) => group?.map((kind, i) => perform(kind, (k) => makePet(k, g * 10 + i)))),
    things: (_: unknown, { kinds }: { kinds: string[] }) =>
      kinds.map((kind, i) => perform(kind, (k) => (k === 'Person' ? { kind: k, id: i, name: `person-${i}` } : makePet(k, i)))),
    untyped: (_: unknown, { names }: { names: Array<string | null> }) =>
      names.map((name, i) => {
        if (name === null) return null;
        const pet = makePet(name, i);
        if (name === 'missing') return { ...pet, kind: 'Dog' };
        if (name === 'number') return { ...pet, __typename: 5 };
        return { ...pet, __typename: name };
      }),
    withInfo: (_: unknown, _args: unknown, _context: unknown, info: GraphQLResolveInfo) => info.fieldName,
    // Reads `info` though its declared length is 1 (a parameter with a default ends the count).
    sneaky: (_: unknown, _args: unknown = {}, _context: unknown, info: GraphQLResolveInfo) => `sneaky ${info.fieldName}`,
  },
  Mutation: { noop: () => 'noop' },
};

const schema: GraphQLSchema = makeExecutableSchema({ typeDefs, resolvers });

const makeContext = (): Context => ({ user: 'ada', bonus: 100, petType: 'Cat' });

// ---- the differential harness ----------------------------------------------------------------------

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string;
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 15));

function snapshot(result: ExecutionResult) {
  return {
    json: JSON.stringify(result),
    errors: result.errors?.map((e) => e.toJSON()),
    paths: result.errors?.map((e) => e.path),
    locations: result.errors?.map((e) => e.locations),
  };
}

interface Observation {
  /** Whether the result came back as a promise (graphql-js returns synchronously when nothing is async). */
  async: boolean;
  /** The result as first delivered. */
  delivered: ReturnType<typeof snapshot>;
  /** The same result object once every timer the resolvers started has fired: it must not change. */
  settled: ReturnType<typeof snapshot>;
  unhandledRejections: string[];
}

async function observe(run: () => ExecutionResult | Promise<ExecutionResult>): Promise<Observation> {
  await settle();
  unhandled.length = 0;
  const raw = run();
  const async = typeof (raw as { then?: unknown }).then === 'function';
  const result = await raw;
  const delivered = snapshot(result);
  await settle();
  return { async, delivered, settled: snapshot(result), unhandledRejections: unhandled.map(String) };
}

function expectedFor(document: ReturnType<typeof parse>, variables: Record<string, unknown> | null | undefined, operationName?: string) {
  return observe(
    () =>
      execute({ schema, document, operationName, variableValues: variables, contextValue: makeContext() }) as
        | ExecutionResult
        | Promise<ExecutionResult>,
  );
}

function prepare(c: Pick<Case, 'query' | 'operationName'>, on: GraphQLSchema = schema) {
  const document = parse(c.query);
  expect(validate(on, document), 'the test query must be valid').toEqual([]);
  return { document, compiled: compileQuery(on, document, c.operationName ?? null) };
}

async function expectSame(c: Case): Promise<Observation> {
  const { document, compiled } = prepare(c);
  expect(compiled, 'compileQuery should support this operation').toBeTypeOf('function');
  const expected = await expectedFor(document, c.variables, c.operationName);
  const actual = await observe(() => compiled!(makeContext(), c.variables));
  expect(expected.unhandledRejections, 'graphql-js itself leaves no unhandled rejection').toEqual([]);
  expect(actual).toEqual(expected);
  return expected;
}

// ---- the tables ----------------------------------------------------------------------------------------

const basics: Case[] = [
  {
    name: '__typename at the root, aliases, default and literal arguments',
    query: '{ __typename t: __typename hello a: greet b: greet(name: "x", times: 2) hello2: hello }',
  },
  {
    name: 'variables with defaults, absent, and explicit null',
    query: 'query Q($n: String, $t: Int = 3) { a: greet(name: $n, times: $t) b: greet(name: $n) c: greet(times: $t) }',
    variables: { n: 'Ada' },
  },
  {
    name: 'absent variable falls back to the argument default',
    query: 'query Q($n: String, $t: Int = 3) { a: greet(name: $n, times: $t) b: greet(name: $n) }',
    variables: {},
  },
  {
    name: 'explicit null variable overrides the argument default',
    query: 'query Q($n: String) { greet(name: $n) }',
    variables: { n: null },
  },
  { name: 'null variables object', query: 'query Q($n: String = "dflt") { greet(name: $n) }', variables: null },
  {
    name: 'list and input-object variables (with input coercion of a single value into a list)',
    query: 'query ($f: Filter, $l: [Int], $c: Color, $m: Money) { echo(filter: $f, list: $l, color: $c, money: $m) }',
    variables: { f: { name: 'a', tags: 'single', nested: { limit: 9 } }, l: 1, c: 'GREEN', m: 1.25 },
  },
  {
    name: 'variable inside an input object literal and a list literal',
    query:
      'query ($n: String, $tag: String!, $c: Color) { echo(filter: { name: $n, tags: [$tag, "lit"], color: $c, nested: { name: $tag } }, list: [1, 2], s: $n) }',
    variables: { n: 'ann', tag: 'T', c: 'BLUE' },
  },
  {
    name: 'literal input object, enum and custom scalar literals',
    query: '{ echo(filter: { name: "x", color: BLUE, money: 3 }, list: [1, 2], color: RED, money: 12.5) }',
  },
  {
    name: 'variable coercion errors (several, with suggestions)',
    query: 'query ($f: Filter!, $l: [Int!]!, $c: Color, $m: Money) { echo(filter: $f, list: $l, color: $c, money: $m) }',
    variables: { f: { nam: 'x', limit: 'many' }, l: [1, 'x', null], c: 'REd', m: 'ten' },
  },
  { name: 'a response key __proto__ (an alias), sync', query: '{ __proto__: hello a: hello box { __proto__: id } }' },
  { name: 'a response key __proto__ (an alias), async', query: '{ __proto__: asyncBox { id } b: asyncBox(k: "b@2") { __proto__: id } }' },
  {
    name: 'every argument a variable: a list variable given one value, a string, an input object',
    query: 'query ($k: [String!]!, $n: String, $t: Int) { pets(kinds: $k) { name } greet(name: $n, times: $t) }',
    variables: { k: 'Dog', n: 'v', t: 2 },
  },
  {
    name: 'arguments as variables or not given (defaults, a nullable one left out)',
    query: 'query ($n: String) { a: greet(name: $n) b: greet echo(s: $n) }',
    variables: { n: 'v' },
  },
  {
    name: 'every argument a variable, one of them null or absent',
    query: 'query ($k: [String!]!, $n: String, $t: Int) { pets(kinds: $k) { name } a: greet(name: $n, times: $t) }',
    variables: { k: ['Dog', 'Cat'], n: null },
  },
  { name: 'missing required variable', query: 'query ($x: Int!, $y: String!) { greet(times: $x, name: $y) }', variables: { y: 3 } },
  {
    name: 'String and ID variables given as strings (the plan coerces these itself)',
    query: 'query ($n: String!, $m: String, $i: ID!) { a: greet(name: $n) b: greet(name: $m) c: byId(id: $i) }',
    variables: { n: 'x', m: 'y', i: '7', extra: 1 },
  },
  {
    name: 'String and ID variables given otherwise: an ID as a number, a nullable String absent',
    query: 'query ($n: String!, $m: String, $i: ID!) { a: greet(name: $n) b: greet(name: $m) c: byId(id: $i) }',
    variables: { n: 'x', i: 7 },
  },
  {
    name: 'String and ID variables given otherwise: a String! as a number, a String as null, an ID! absent',
    query: 'query ($n: String!, $m: String, $i: ID!) { a: greet(name: $n) b: greet(name: $m) c: byId(id: $i) }',
    variables: { n: 3, m: null },
  },
  {
    name: 'runtime argument error: null variable for a non-null argument with a default',
    query: 'query ($n: String) { greetStrict(name: $n) ok: greetStrict }',
    variables: { n: null },
  },
  { name: 'the context object is read by resolvers', query: '{ viewer calc { sum(a: 1) } }' },
  {
    name: 'default resolver calling function-valued source properties with args and context',
    query: '{ calc { name label sum(a: 1) s2: sum(a: 1, b: 2) asyncSum(a: 5) strictFn strict } }',
  },
  {
    name: 'default resolver with a variable argument on a function-valued property',
    query: 'query ($b: Int, $n: String!) { calc { sum(a: 1, b: $b) strictFn(name: $n) } }',
    variables: { b: 7, n: 'vn' },
  },
  {
    name: 'selecting one of several operations by name',
    query: 'query A { hello } query B { greet(name: "b") box { id } }',
    operationName: 'B',
  },
];

const leaves: Case[] = [
  {
    name: 'enums with internal values, custom scalar whose serialize returns null or throws',
    query: `{ box {
      c1: color(raw: "r") c2: color(raw: "RED") c3: color(raw: "g")
      m1: money(v: 1.5) m2: money(v: -1) m3: money m4: moneyText(v: "ten")
      nested: child { cn: colorNN(raw: "b") mnn: moneyNN(v: 2) }
      broken: child { ok: v(k: "=kept") mnn: moneyNN(v: -2) }
      broken2: child { cnn: colorNN(raw: "purple") }
    } }`,
  },
  { name: 'non-null enum failure under the root nulls data', query: '{ hello boxNN { colorNN(raw: "x") } }' },
  { name: 'enum field on an interface implementation', query: '{ pets(kinds: ["Dog", "Dog"]) { ... on Dog { color barks } } }' },
];

const abstracts: Case[] = [
  {
    name: 'interface with two implementations, inline fragments with and without type conditions',
    query: `{
      dog: pet(kind: "Dog") { __typename name ... on Dog { barks } ... on Cat { lives } ... { n2: name } ... on Pet { __typename } }
      cat: pet(kind: "Cat") { __typename name ... on Dog { barks } ... on Cat { lives } }
      async: pet(kind: "asyncCat") { __typename name ... on Cat { lives } }
      ctx: pet(kind: "ctx") { __typename }
    }`,
  },
  {
    name: 'nested lists of interfaces with named fragments (with __typename) spread twice',
    query: `{
      pets(kinds: ["Dog", "Cat", "asyncDog", "Dog@2", "Cat@t"]) {
        name ...PetBits ...PetBits
        friends(kinds: ["Cat", "Dog@1"]) { __typename name ...PetBits }
        ... on Dog { pack { __typename ...PetBits ... on Dog { pack(kinds: ["Dog"]) { name } } } }
        ... on Cat { rivals(kinds: ["Dog", "Cat@1"]) { ...PetBits } }
      }
      petGroups(groups: [["Dog", "Cat"], [], null, ["Cat@1", "asyncDog"]]) { __typename name }
    }
    fragment PetBits on Pet { __typename ... on Dog { barks } ... on Cat { lives } }`,
  },
  {
    name: 'union with inline fragments on union members, interface and object',
    query: `{ things(kinds: ["Dog", "Person", "Cat", "Person@1", "asyncCat"]) {
      __typename
      ... on Pet { name }
      ... on Person { id name pets(kinds: ["Cat", "Dog"]) { __typename name } }
      ... on Dog { barks }
      ... on Thing { ... on Cat { lives } }
    } }`,
  },
  {
    name: 'resolveType failures: unknown name, non-possible type, non-object type, undefined, number, throw, reject',
    query: `{
      ghost: pet(kind: "Ghost") { name }
      person: pet(kind: "Person") { name }
      color: pet(kind: "Color") { name }
      none: pet(kind: "none") { name }
      number: pet(kind: "number") { name }
      threw: pet(kind: "throwType") { name }
      rejected: pet(kind: "rejectType") { name }
      asyncGhost: pet(kind: "asyncGhost") { name }
      ok: pet(kind: "Dog") { name }
    }`,
  },
  {
    name: 'resolveType failure inside [Pet!] and [[Pet!]] propagates to the nullable list',
    query: `{
      box { pets(kinds: ["Dog", "Ghost", "Cat"]) { name } ok: v(k: "=ok") }
      petGroups(groups: [["Dog"], ["Cat", "Box"], ["asyncGhost"], ["Cat@1"]]) { name }
      things(kinds: ["Person", "Box", "Cat"]) { __typename }
    }`,
  },
  {
    name: 'union without __resolveType uses __typename (graphql-js default type resolver)',
    query:
      '{ untyped(names: ["Dog", null, "Cat", "missing", "Person", "Ghost"]) { __typename ... on Dog { name barks } ... on Cat { lives } } }',
  },
];

const merging: Case[] = [
  {
    name: 'same response key selected twice with different sub-selections via fragments',
    query: `{
      p: pet(kind: "Dog") { name }
      ...Q1
      p: pet(kind: "Dog") { ... on Dog { barks } __typename }
      box { id ...B child { ...B } ...B }
    }
    fragment Q1 on Query { p: pet(kind: "Dog") { ... on Dog { pack { name } } name } box { ... on Box { a: v(k: "=a") } } }
    fragment B on Box { id a: v(k: "=a") c: child { id } }`,
  },
  {
    name: 'merged fields carry all their locations into errors',
    query: `{
      box { x: nn(k: "throw") }
      ...F
      box { ... on Box { x: nn(k: "throw") } }
    }
    fragment F on Query { box { x: nn(k: "throw") } }`,
  },
  {
    name: 'inline fragments on the object type itself, nested',
    query: '{ ... on Query { box { ... on Box { id ... { v(k: "=deep") } } } } ... { hello } }',
  },
];

const nulls: Case[] = [
  {
    name: 'nullable fields that throw, return an Error, return null or reject',
    query:
      '{ box { ok: v(k: "=fine") a: v(k: "throw") b: v(k: "error") c: v(k: "null") d: v(k: "reject") e: v(k: "undefined") f: v(k: "graphqlError") g: v(k: "throwString") h: v(k: "throwString@1") } }',
  },
  {
    name: 'non-null fields returning null, throwing and rejecting inside nullable parents',
    query: `{ box {
      ok: v(k: "=x")
      one: child { nn(k: "null") }
      two: child { nn(k: "throw") }
      three: child { v(k: "=y") nn(k: "reject@2") }
      four: child { nn(k: "reject") after: v(k: "=never") }
      five: child { nn(k: "error") }
      six: child { nn(k: "=fine") }
    } }`,
  },
  {
    name: 'propagation through chains of non-null objects',
    query: `{
      box { childNN { childNN { nn(k: "null") } } }
      b2: box { child { childNN { childNN(k: "null") { id } } } }
      b3: box { child { childNN(k: "reject@1") { id } } }
      b4: asyncBox { childNN { childNN(k: "box@2") { nn(k: "throw") } } }
    }`,
  },
  { name: 'a non-null failure under the root nulls data (sync)', query: '{ hello boxNN { nn(k: "throw") } }' },
  { name: 'a non-null failure under the root nulls data (async)', query: '{ hello boxNN { nn(k: "reject@2") } }' },
  {
    name: '[Box!] and [Box!]!: null, Error, rejection and sub-field failures of items',
    query: `{
      a: box { list(items: ["box", "null", "box"]) { id } }
      b: box { listNN(items: ["box", "null"]) { id } }
      c: box { list(items: ["box@1", "reject@2"]) { id } }
      d: box { list(items: ["box", "box", "box"]) { id nnById(specs: ["=0", "null", "=2"]) } }
      e: box { nullableList(items: ["box", "null", "error", "box@1", "reject@1", "box"]) { id nnById(specs: ["=0", "=1", "=2", "=3", "=4", "throw"]) } }
      f: box { list(items: ["box@1", "box"]) { id nnById(specs: ["reject@1", "=1"]) } }
      g: box { list(items: [], self: "null") { id } listNN(items: ["box"], self: "array@2") { id } }
      h: box { list(items: ["box@2", "null"]) { id } }
    }`,
  },
  {
    name: 'lists of non-null scalars and nullable scalars',
    query: `{ box {
      s1: strs(items: ["=a", "=b@1", "=c"])
      s2: strs(items: ["=a", "null"])
      s3: strs(items: ["=a", "reject@1", "=c@2"])
      s4: nullableStrs(items: ["=a", "null", "error", "reject@1", "=e@t", "graphqlError"])
      s5: strs(items: ["=x"], self: "set")
      s6: nullableStrs(items: ["=x", "=y@1"], self: "set@1")
      s7: nullableStrs(items: ["=x", "=y@1"], self: "sparse")
      s8: strs(items: ["=x", "=y@1"], self: "sparse")
      s9: nullableStrs(items: ["=x", "null", "=z@1"], self: "backwards")
      s10: list(items: ["box", "box@1"], self: "backwards") { id }
    } }`,
  },
  {
    name: 'nested lists [[Box!]]',
    query: '{ box { grid(rows: [["box", "box@1"], ["box", "null"], [], ["reject@1"], ["box@t"]]) { id byId(specs: ["=zero", "=one"]) } } }',
  },
  {
    name: 'non-iterable values for list fields',
    query: `{ box {
      a: list(items: [], self: "scalar") { id }
      b: strs(items: [], self: "string")
      c: nullableList(items: ["box"], self: "object") { id }
      d: nullableStrs(items: [], self: "scalar@1")
      e: list(items: [], self: "throw") { id }
      f: list(items: [], self: "reject@1") { id }
    } }`,
  },
  {
    name: 'non-iterable value for a non-null list propagates',
    query: '{ box { ok: v(k: "=x") listNN(items: [], self: "scalar") { id } } other: box { id } }',
  },
];

const ordering: Case[] = [
  {
    name: 'nullable failures resolving after different numbers of microtask hops and a timer',
    query: `{ box {
      a: v(k: "reject@t") b: v(k: "reject@3") c: v(k: "throw") d: v(k: "reject@1") e: v(k: "reject")
      f: child { v(k: "reject@2") g: v(k: "throw") } h: v(k: "reject@2") i: v(k: "=ok@4")
      j: child(k: "box@3") { v(k: "reject") w: v(k: "reject@1") }
    } }`,
  },
  {
    name: 'failures across list items at different depths',
    query: `{ box {
      list(items: ["box", "box@2", "box@1", "box"]) { id v: byId(specs: ["reject@3", "throw", "reject@1", "reject"]) w: byId(specs: ["reject@1", "reject@t", "=2", "reject@2"]) }
      nullableList(items: ["box@1", "reject@2", "box", "reject"]) { id nnById(specs: ["reject@1", "=1", "throw"]) }
    } }`,
  },
  {
    name: 'async parents with mixed sync and async children',
    query: `{
      a: asyncBox(k: "box@2") { v(k: "reject@1") w: v(k: "throw") c: child(k: "box@1") { v(k: "reject") } }
      b: box { v(k: "reject@2") c: child(k: "box@t") { v(k: "throw") } }
      c: asyncBox(k: "box@t") { v(k: "reject") }
      d: asyncBox(k: "reject@1") { id }
      e: box { child(k: "reject@3") { id } }
    }`,
  },
  {
    name: 'async non-null propagation with nullable failures that settled earlier',
    query: `{
      a: box { v(k: "reject") w: v(k: "reject@1") nn(k: "reject@3") }
      b: box { l: nullableList(items: ["box", "box@1"]) { v(k: "reject") } nn(k: "reject@t") }
    }`,
  },
];

/**
 * Errors that happen while, or after, an enclosing position is nulled by a non-null failure.
 * graphql-js 16.15 (a) lets a selection set whose fields threw synchronously wait for its pending
 * sibling fields before propagating (`promiseForObject(results).finally(() => { throw error })`),
 * and (b) drops errors reported below a position that has already been nulled (CollectedErrors).
 */
const propagation: Case[] = [
  {
    name: 'sync non-null throw after a nullable async sibling that fails later',
    query: '{ box { a: v(k: "reject@t") b: nn(k: "throw") } }',
  },
  {
    name: 'sync non-null throw after a nullable async sibling that fails within microtasks',
    query: '{ box { a: v(k: "reject@2") b: nn(k: "null") } other: box { id } }',
  },
  {
    name: 'late nullable failure below a position already nulled by an async non-null failure',
    query: '{ box { a: nn(k: "reject@1") b: v(k: "reject@t") } }',
  },
  {
    name: 'late failure in a list item after the [Box!] list was nulled by a sibling item',
    query: '{ box { list(items: ["box@1", "null"]) { id v(k: "reject@t") } } }',
  },
  {
    name: 'late failure after data itself was nulled by a root non-null field',
    query: '{ a: box { v(k: "reject@t") } b: boxNN { nn(k: "reject@1") } }',
  },
  {
    name: 'sync non-null throw while a non-null async sibling is about to reject',
    query: '{ box { a: nn(k: "reject@1") b: nn(k: "throw") } }',
  },
];

describe('compileQuery matches graphql-js execute', () => {
  for (const [group, cases] of Object.entries({ basics, leaves, abstracts, merging, nulls, ordering, propagation })) {
    describe(group, () => {
      for (const c of cases) it(c.name, () => expectSame(c).then(() => undefined));
    });
  }

  it('the harness sees errors, async results and key order (sanity)', async () => {
    const seen = await expectSame({ name: 'sanity', query: '{ box { b: v(k: "reject@1") a: v(k: "=a") } hello }' });
    expect(seen.async).toBe(true);
    expect(seen.delivered.json).toBe(
      JSON.stringify({
        errors: [{ message: 'rejected by "reject@1"', locations: [{ line: 1, column: 9 }], path: ['box', 'b'] }],
        data: { box: { b: null, a: 'a' }, hello: 'world' },
      }),
    );
  });
});

describe('compiled plans are reused across requests', () => {
  const query = `query ($kinds: [String!]!, $k: String!, $f: Filter, $n: String) {
    pets(kinds: $kinds) { __typename name ... on Dog { barks pack(kinds: $kinds) { __typename } } ... on Cat { lives } }
    box { v(k: $k) list(items: ["box", "box"]) { id v(k: $k) } }
    echo(filter: $f)
    greet(name: $n)
  }`;
  const runs: Array<Record<string, unknown> | null> = [
    { kinds: ['Cat'], k: '=one', f: { name: 'first' }, n: 'x' },
    { kinds: ['Dog', 'Cat@1'], k: 'reject@1', f: { tags: ['a', 'b'], color: 'GREEN' } },
    { kinds: ['Ghost'], k: 'throw', f: null, n: null },
    { kinds: 'Dog', k: 7 },
    { kinds: ['Cat'], k: '=one', f: { name: 'first' }, n: 'x' },
  ];

  it('runs one plan sequentially with different variables', async () => {
    const { document, compiled } = prepare({ query });
    expect(compiled).toBeTypeOf('function');
    for (const variables of runs) {
      const expected = await expectedFor(document, variables);
      const actual = await observe(() => compiled!(makeContext(), variables));
      expect(actual, JSON.stringify(variables)).toEqual(expected);
    }
  });

  it('runs one plan concurrently with different variables and contexts', async () => {
    const q = 'query ($k: String!) { viewer box { v(k: $k) child(k: "box@1") { v(k: $k) } } pet(kind: "ctx") { __typename name } }';
    const { document, compiled } = prepare({ query: q });
    expect(compiled).toBeTypeOf('function');
    const contexts: Context[] = [
      { user: 'one', bonus: 1, petType: 'Dog' },
      { user: 'two', bonus: 2, petType: 'Cat' },
      { user: 'three', bonus: 3, petType: 'Ghost' },
    ];
    const variables = [{ k: '=a@2' }, { k: 'reject@1' }, { k: '=c' }];
    const expected = await Promise.all(
      contexts.map((context, i) => execute({ schema, document, variableValues: variables[i], contextValue: context })),
    );
    const actual = await Promise.all(contexts.map((context, i) => compiled!(context, variables[i])));
    expect(actual.map((r) => JSON.stringify(r))).toEqual(expected.map((r) => JSON.stringify(r)));
  });

  it('gives every resolver call its own argument object (a resolver mutating its args, within a request)', async () => {
    await expectSame({
      name: 'args mutation',
      query: '{ box { take(from: [1, 2, 3]) list(items: ["box", "box", "box"]) { id take(from: [1, 2, 3]) t2: take(from: [5, 6]) } } }',
    });
  });

  it('gives every resolver call its own argument object (a resolver writing to the args of an argument-less field)', async () => {
    await expectSame({ name: 'args write', query: '{ box { stamp list(items: ["box", "box"]) { stamp } } }' });
  });

  it('gives every resolver call its own argument object (a resolver mutating its args, across requests)', async () => {
    const { document, compiled } = prepare({ query: '{ box { take(from: [1, 2]) } }' });
    for (let i = 0; i < 3; i++) {
      const expected = await expectedFor(document, {});
      const actual = await observe(() => compiled!(makeContext(), {}));
      expect(actual, `request ${i + 1}`).toEqual(expected);
    }
  });
});

// ---- what compileQuery must leave to graphql-js ----------------------------------------------------

const infoSchema = makeExecutableSchema({
  typeDefs: /* GraphQL */ `
    interface Shape {
      sides: Int
    }
    type Square implements Shape {
      sides: Int
    }
    type Tagged {
      x: Int
    }
    type Holder {
      tagged: Tagged
      shape: Shape
      n: Int
      "No resolver: the list comes straight off the source."
      echoes: [Echoed]
    }
    "isTypeOf writes down the path it was given, so the result shows it."
    type Echoed {
      x: Int
      seenPath: String
    }
    "Serialized as is, so a promise would pass through it unawaited."
    scalar Raw
    "Properties that are promises (no resolvers)."
    type Lazy {
      raw: Raw
      rawNN: Raw!
      rejected: Raw
      typed: String
    }
    type Query {
      tagged: Tagged
      holder: Holder
      shape: Shape
      n: Int
      lazy(nullNN: Boolean): Lazy
    }
  `,
  resolvers: {
    Tagged: { __isTypeOf: (value: { x?: number }) => typeof value.x === 'number' },
    Echoed: {
      __isTypeOf: (value: { x?: number; seenPath?: string }, _context: unknown, info: GraphQLResolveInfo) => {
        value.seenPath = JSON.stringify(responsePathAsArray(info.path));
        return typeof value.x === 'number';
      },
    },
    Raw: new GraphQLScalarType({ name: 'Raw', serialize: (value) => value }),
    Lazy: {},
    // Declares `info`: a plan cannot run it.
    Shape: { __resolveType: (_value: unknown, _context: unknown, info: GraphQLResolveInfo) => (info ? 'Square' : undefined) },
    Query: {
      tagged: () => ({ x: 1 }),
      holder: () => ({ echoes: [{ x: 1 }, { x: 2 }] }),
      shape: () => ({ sides: 4 }),
      n: () => 1,
      lazy: (_root: unknown, { nullNN }: { nullNN?: boolean }) => ({
        raw: Promise.resolve('r'),
        rawNN: Promise.resolve(nullNN ? null : 'n'),
        rejected: Promise.reject(new Error('a rejected property')),
        typed: Promise.resolve('t'),
      }),
    },
    Holder: { tagged: () => ({ x: 2 }), shape: () => ({ sides: 4 }), n: () => 2 },
  },
});

describe('compileQuery returns undefined for what it cannot plan', () => {
  const unsupported: Array<{ name: string; query: string; operationName?: string; variables?: Record<string, unknown> }> = [
    { name: '@include(if: $x)', query: 'query ($x: Boolean!) { hello @include(if: $x) }', variables: { x: false } },
    { name: '@skip', query: '{ hello @skip(if: true) greet }' },
    { name: '@skip inside a fragment', query: '{ ...F } fragment F on Query { box { id @skip(if: true) } }' },
    {
      name: 'a directive on a fragment spread',
      query: 'query ($x: Boolean!) { ...F @include(if: $x) } fragment F on Query { hello }',
      variables: { x: true },
    },
    { name: 'a directive on the operation', query: 'query @tag { hello }' },
    { name: 'a custom directive on a nested field', query: '{ box { id @tag } }' },
    { name: 'a mutation', query: 'mutation { noop }' },
    { name: 'operationName not in the document', query: 'query A { hello }', operationName: 'B' },
    { name: 'two operations with a null operationName', query: 'query A { hello } query B { greet }' },
  ];

  for (const c of unsupported) {
    it(c.name, async () => {
      const document = parse(c.query);
      expect(validate(schema, document)).toEqual([]);
      const compiled = compileQuery(schema, document, c.operationName ?? null);
      if (compiled) {
        // Show what a request would have got, to make the failure actionable.
        const expected = await execute({
          schema,
          document,
          operationName: c.operationName,
          variableValues: c.variables,
          contextValue: makeContext(),
        });
        const actual = await compiled(makeContext(), c.variables);
        expect({ compiled: 'a function', actual: JSON.stringify(actual), graphqlJs: JSON.stringify(expected) }).toEqual({
          compiled: undefined,
        });
      }
      expect(compiled).toBeUndefined();
    });
  }
});

/**
 * Code that reads `info` (declared, behind a default parameter, in a method on the source, in
 * resolveType or isTypeOf), introspection, and results graphql-js reports in its own words: the
 * plan hands out a real resolve info, so all of these must compile and match graphql-js exactly.
 */
describe('compileQuery matches graphql-js where resolvers read info', () => {
  const cases: Array<Case & { on?: GraphQLSchema }> = [
    { name: '__schema', query: '{ __schema { queryType { name } } }' },
    { name: '__type', query: '{ hello __type(name: "Pet") { name kind fields { name } } }' },
    { name: 'a root resolver declared with 4 params (info)', query: '{ hello withInfo }' },
    { name: 'a nested resolver declared with 4 params (info)', query: '{ box { id withInfo } }' },
    {
      name: 'a resolver with 4 params reached only through a fragment on a list item',
      query: '{ box { list(items: ["box"]) { ...W } } } fragment W on Box { withInfo }',
    },
    { name: 'an object type with isTypeOf (root field)', query: '{ tagged { x } }', on: infoSchema },
    { name: 'an object type with isTypeOf (nested field)', query: '{ holder { n tagged { x } } }', on: infoSchema },
    { name: 'resolveType declaring info (root field)', query: '{ shape { sides } }', on: infoSchema },
    { name: 'resolveType declaring info (nested field)', query: '{ holder { shape { sides } } }', on: infoSchema },
    {
      name: 'isTypeOf on the items of a list with no resolver sees the field path',
      query: '{ holder { echoes { x seenPath } } }',
      on: infoSchema,
    },
    {
      name: 'promise-valued properties through a pass-through scalar and String',
      query: '{ lazy { raw rawNN rejected typed } }',
      on: infoSchema,
    },
    {
      name: 'a promise-valued property that resolves to null in a non-null field',
      query: '{ lazy(nullNN: true) { raw rawNN } other: n }',
      on: infoSchema,
    },
    { name: 'a resolver reading info through a parameter after a default (length 1)', query: '{ hello sneaky }' },
    { name: 'a function-valued source property reading info (default resolver)', query: '{ calc { name describe } }' },
    {
      name: 'a default-resolver field whose non-null argument gets a null variable (non-function property)',
      query: 'query ($n: String) { calc { strict(name: $n) strictFn(name: $n) } }',
      variables: { n: null },
    },
    {
      name: 'resolveType returning a GraphQLObjectType (removed in graphql-js 16, with its own message)',
      query: '{ pet(kind: "typeObject") { name } }',
    },
    { name: 'default type resolver with a non-string __typename', query: '{ untyped(names: ["number", "Dog"]) { __typename } }' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const on = c.on ?? schema;
      const { document, compiled } = prepare(c, on);
      expect(compiled, 'compileQuery should support this operation').toBeTypeOf('function');
      const expected = await observe(
        () =>
          execute({ schema: on, document, operationName: c.operationName, variableValues: c.variables, contextValue: makeContext() }) as
            | ExecutionResult
            | Promise<ExecutionResult>,
      );
      const actual = await observe(() => compiled!(makeContext(), c.variables));
      expect(actual).toEqual(expected);
    });
  }
});

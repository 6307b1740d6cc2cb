import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { toDateTime } from '../model/time.js';

/** Models already hold normalized ISO strings; inputs are accepted in any format the upstreams use. */
export const DateTime = new GraphQLScalarType<string | null, string>({
  name: 'DateTime',
  serialize(value) {
    if (typeof value === 'string') return value;
    if (value instanceof Date) return value.toISOString();
    throw new GraphQLError('DateTime cannot represent this value');
  },
  parseValue(value) {
    const parsed = toDateTime(value);
    if (parsed === null) throw new GraphQLError('DateTime must be an ISO-8601 timestamp');
    return parsed;
  },
  parseLiteral(ast) {
    const parsed = ast.kind === Kind.STRING ? toDateTime(ast.value) : null;
    if (parsed === null) throw new GraphQLError('DateTime must be an ISO-8601 timestamp string');
    return parsed;
  },
});

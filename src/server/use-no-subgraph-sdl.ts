import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * SUBGRAPH_SDL=false: `_service { sdl }` is refused at validation. It is the whole schema, so with
 * introspection off it would hand out what INTROSPECTION=false means to withhold; a supergraph
 * composer that needs it gets SUBGRAPH_SDL=true (or composes from the files in schema/).
 */
const noSubgraphSdl: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value !== '_service' || context.getParentType()?.name !== 'Query') return;
    context.reportError(
      new GraphQLError('The subgraph SDL (_service) is not served: SUBGRAPH_SDL=false (it follows INTROSPECTION unless set).', {
        nodes: node,
      }),
    );
  },
});

export function useNoSubgraphSdl(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(noSubgraphSdl);
    },
  };
}

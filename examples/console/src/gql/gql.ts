/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query JobStatus($id: ID!) {\n    job(id: $id) {\n      __typename\n      id\n      source\n      type\n      state\n      terminal\n      progress\n      message\n      updatedAt\n    }\n  }\n": typeof types.JobStatusDocument,
    "\n  query Dashboard($ids: [ID!]!) {\n    jobs(ids: $ids) {\n      __typename\n      id\n      source\n      state\n      progress\n      ... on DbJob {\n        instanceName\n      }\n    }\n  }\n": typeof types.DashboardDocument,
    "\n  query ClusterJob($projectId: String!, $jobId: String!) {\n    cceJob(projectId: $projectId, jobId: $jobId) {\n      id\n      type\n      state\n      createdAt\n      finishedAt\n      subJobs {\n        type\n        state\n        subJobs {\n          type\n          state\n        }\n      }\n    }\n  }\n": typeof types.ClusterJobDocument,
};
const documents: Documents = {
    "\n  query JobStatus($id: ID!) {\n    job(id: $id) {\n      __typename\n      id\n      source\n      type\n      state\n      terminal\n      progress\n      message\n      updatedAt\n    }\n  }\n": types.JobStatusDocument,
    "\n  query Dashboard($ids: [ID!]!) {\n    jobs(ids: $ids) {\n      __typename\n      id\n      source\n      state\n      progress\n      ... on DbJob {\n        instanceName\n      }\n    }\n  }\n": types.DashboardDocument,
    "\n  query ClusterJob($projectId: String!, $jobId: String!) {\n    cceJob(projectId: $projectId, jobId: $jobId) {\n      id\n      type\n      state\n      createdAt\n      finishedAt\n      subJobs {\n        type\n        state\n        subJobs {\n          type\n          state\n        }\n      }\n    }\n  }\n": types.ClusterJobDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query JobStatus($id: ID!) {\n    job(id: $id) {\n      __typename\n      id\n      source\n      type\n      state\n      terminal\n      progress\n      message\n      updatedAt\n    }\n  }\n"): typeof import('./graphql.js').JobStatusDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Dashboard($ids: [ID!]!) {\n    jobs(ids: $ids) {\n      __typename\n      id\n      source\n      state\n      progress\n      ... on DbJob {\n        instanceName\n      }\n    }\n  }\n"): typeof import('./graphql.js').DashboardDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClusterJob($projectId: String!, $jobId: String!) {\n    cceJob(projectId: $projectId, jobId: $jobId) {\n      id\n      type\n      state\n      createdAt\n      finishedAt\n      subJobs {\n        type\n        state\n        subJobs {\n          type\n          state\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').ClusterJobDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

/**
 * The console's operations. Each is written once, here; graphql-codegen types its result and
 * variables (gql/graphql.ts) and puts its text in the trusted documents manifest
 * (gql/persisted-documents.json) under the SHA-256 of that text, which is the id the client sends.
 */
import { graphql } from './gql/index.js';

/** One job by its opaque id, whatever upstream it comes from. */
export const JobStatus = graphql(`
  query JobStatus($id: ID!) {
    job(id: $id) {
      __typename
      id
      source
      type
      state
      terminal
      progress
      message
      updatedAt
    }
  }
`);

/** Many jobs at once, in the order asked (a failing one is null, with an error). */
export const Dashboard = graphql(`
  query Dashboard($ids: [ID!]!) {
    jobs(ids: $ids) {
      __typename
      id
      source
      state
      progress
      ... on DbJob {
        instanceName
      }
    }
  }
`);

/** A CCE cluster job and its sub-jobs, two levels deep. */
export const ClusterJob = graphql(`
  query ClusterJob($projectId: String!, $jobId: String!) {
    cceJob(projectId: $projectId, jobId: $jobId) {
      id
      type
      state
      createdAt
      finishedAt
      subJobs {
        type
        state
        subJobs {
          type
          state
        }
      }
    }
  }
`);

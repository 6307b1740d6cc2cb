/* eslint-disable */
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /**
   * A point in time: ISO-8601 in UTC with exactly three fraction digits, e.g. "2025-09-02T10:23:38.987Z".
   * Finer digits from the upstream are truncated, never rounded.
   */
  DateTime: { input: string; output: string; }
};

/** The upstream service a job comes from. */
export type JobSource =
  /** Cloud Application Engine. */
  | 'CAE'
  /** Cloud Container Engine (job APIs v3 and v2). */
  | 'CCE'
  /** Cloud Firewall. */
  | 'CFW'
  /** Relational Database Service task center (GaussDB and TaurusDB serve the same shape). */
  | 'DB';

/** A job's state, normalized across upstreams. `rawStatus` keeps the upstream's own word. */
export type JobState =
  /** Stopped before it finished. */
  | 'CANCELLED'
  /** Finished with a failure (including timeouts and authorization failures). */
  | 'FAILED'
  /** Accepted but not started yet. */
  | 'PENDING'
  /** In progress. */
  | 'RUNNING'
  /** Not run because it was not needed. */
  | 'SKIPPED'
  /** Finished successfully. */
  | 'SUCCEEDED'
  /** The upstream reported a status word this gateway does not know; see `rawStatus`. */
  | 'UNKNOWN';

export type JobStatusQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type JobStatusQuery = { __typename?: 'Query', job?:
    | { __typename: 'CaeJob', id: string, source: JobSource, type?: string | null, state: JobState, terminal: boolean, progress?: number | null, message?: string | null, updatedAt?: string | null }
    | { __typename: 'CaeTask', id: string, source: JobSource, type?: string | null, state: JobState, terminal: boolean, progress?: number | null, message?: string | null, updatedAt?: string | null }
    | { __typename: 'CceJob', id: string, source: JobSource, type?: string | null, state: JobState, terminal: boolean, progress?: number | null, message?: string | null, updatedAt?: string | null }
    | { __typename: 'CfwJob', id: string, source: JobSource, type?: string | null, state: JobState, terminal: boolean, progress?: number | null, message?: string | null, updatedAt?: string | null }
    | { __typename: 'DbJob', id: string, source: JobSource, type?: string | null, state: JobState, terminal: boolean, progress?: number | null, message?: string | null, updatedAt?: string | null }
   | null };

export type DashboardQueryVariables = Exact<{
  ids: Array<Scalars['ID']['input']> | Scalars['ID']['input'];
}>;


export type DashboardQuery = { __typename?: 'Query', jobs: Array<
    | { __typename: 'CaeJob', id: string, source: JobSource, state: JobState, progress?: number | null }
    | { __typename: 'CaeTask', id: string, source: JobSource, state: JobState, progress?: number | null }
    | { __typename: 'CceJob', id: string, source: JobSource, state: JobState, progress?: number | null }
    | { __typename: 'CfwJob', id: string, source: JobSource, state: JobState, progress?: number | null }
    | { __typename: 'DbJob', instanceName?: string | null, id: string, source: JobSource, state: JobState, progress?: number | null }
   | null> };

export type ClusterJobQueryVariables = Exact<{
  projectId: Scalars['String']['input'];
  jobId: Scalars['String']['input'];
}>;


export type ClusterJobQuery = { __typename?: 'Query', cceJob?: { __typename?: 'CceJob', id: string, type?: string | null, state: JobState, createdAt?: string | null, finishedAt?: string | null, subJobs?: Array<
      | { __typename?: 'CaeJob', type?: string | null, state: JobState, subJobs?: Array<
          | { __typename?: 'CaeJob', type?: string | null, state: JobState }
          | { __typename?: 'CaeTask', type?: string | null, state: JobState }
          | { __typename?: 'CceJob', type?: string | null, state: JobState }
          | { __typename?: 'CfwJob', type?: string | null, state: JobState }
          | { __typename?: 'DbJob', type?: string | null, state: JobState }
        > | null }
      | { __typename?: 'CaeTask', type?: string | null, state: JobState, subJobs?: Array<
          | { __typename?: 'CaeJob', type?: string | null, state: JobState }
          | { __typename?: 'CaeTask', type?: string | null, state: JobState }
          | { __typename?: 'CceJob', type?: string | null, state: JobState }
          | { __typename?: 'CfwJob', type?: string | null, state: JobState }
          | { __typename?: 'DbJob', type?: string | null, state: JobState }
        > | null }
      | { __typename?: 'CceJob', type?: string | null, state: JobState, subJobs?: Array<
          | { __typename?: 'CaeJob', type?: string | null, state: JobState }
          | { __typename?: 'CaeTask', type?: string | null, state: JobState }
          | { __typename?: 'CceJob', type?: string | null, state: JobState }
          | { __typename?: 'CfwJob', type?: string | null, state: JobState }
          | { __typename?: 'DbJob', type?: string | null, state: JobState }
        > | null }
      | { __typename?: 'CfwJob', type?: string | null, state: JobState, subJobs?: Array<
          | { __typename?: 'CaeJob', type?: string | null, state: JobState }
          | { __typename?: 'CaeTask', type?: string | null, state: JobState }
          | { __typename?: 'CceJob', type?: string | null, state: JobState }
          | { __typename?: 'CfwJob', type?: string | null, state: JobState }
          | { __typename?: 'DbJob', type?: string | null, state: JobState }
        > | null }
      | { __typename?: 'DbJob', type?: string | null, state: JobState, subJobs?: Array<
          | { __typename?: 'CaeJob', type?: string | null, state: JobState }
          | { __typename?: 'CaeTask', type?: string | null, state: JobState }
          | { __typename?: 'CceJob', type?: string | null, state: JobState }
          | { __typename?: 'CfwJob', type?: string | null, state: JobState }
          | { __typename?: 'DbJob', type?: string | null, state: JobState }
        > | null }
    > | null } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const JobStatusDocument = new TypedDocumentString(`
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
    `, {"hash":"c0eda8c1409cb940c665e23344f0c44849fb7755ec9187549010e43bffdc9eaf"}) as unknown as TypedDocumentString<JobStatusQuery, JobStatusQueryVariables>;
export const DashboardDocument = new TypedDocumentString(`
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
    `, {"hash":"e5f9e4d4cdec92b7fc91c5319f41e02bb88616e1dddacf4e9e40fd9df443197c"}) as unknown as TypedDocumentString<DashboardQuery, DashboardQueryVariables>;
export const ClusterJobDocument = new TypedDocumentString(`
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
    `, {"hash":"a3dd793e6c0174b3443c43fed2458ab5cc71cdf7ad79e48bd12187570dd82353"}) as unknown as TypedDocumentString<ClusterJobQuery, ClusterJobQueryVariables>;
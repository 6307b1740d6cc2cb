/** The query GraphiQL opens with: against the simulator it shows a CCE job tree right away. */
export function exampleQuery(projectId: string, jobId: string): string {
  return `# A CCE cluster creation with its sub-jobs, as deep as you select them.
# Every job also has an opaque \`id\`: pass it to job(id:) or jobs(ids:).
query ClusterCreation {
  cceJob(projectId: "${projectId}", jobId: "${jobId}") {
    id
    type
    state
    rawStatus
    createdAt
    finishedAt
    resourceName
    subJobs {
      type
      state
      ... on CceJob { resourceId }
      subJobs { type state }
    }
  }
}
`;
}

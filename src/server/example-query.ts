/** The query GraphiQL opens with: against the simulator it shows a CCE job tree right away. */
export function exampleQuery(projectId: string, jobId: string): string {
  return `# A CCE job with its sub-jobs, resolved as deep as you select them (embedded: one upstream call).
# Every job also has an opaque \`id\`: pass it to job(id:) or jobs(ids:).
query JobTree {
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

/** The document GraphiQL opens with: against the simulator it shows a CCE job tree right away. */
export function exampleQuery(projectId: string, jobId: string, liveJobGlobalId?: string, options: { jobPages?: boolean } = {}): string {
  const page = liveJobGlobalId && options.jobPages ? `# Or watch it as a timeline in the browser: /jobs/${liveJobGlobalId}\n` : '';
  const live = liveJobGlobalId
    ? `
# Live updates: open a new tab (+) and run this subscription; a cluster creation advances every few seconds.
# subscription { jobUpdated(id: "${liveJobGlobalId}") { state updatedAt subJobs { type state } } }
${page}`
    : '';
  return `# A CCE job with its sub-jobs, resolved as deep as you select them (embedded: one upstream call).
# Every job also has an opaque \`id\`: pass it to job(id:) or jobs(ids:).${live}
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

/**
 * What the console shows: a few jobs' states, read through the typed client. Kept apart from the
 * command line (main.ts) so the gateway's tests run exactly these calls.
 */
import type { Client } from './client.js';
import { ClusterJob, Dashboard, JobStatus } from './operations.js';

export interface ConsoleInput {
  projectId: string;
  /** A CCE cluster job's id, shown with its sub-jobs. */
  clusterJobId: string;
  /** Opaque job ids (from any upstream) for the dashboard. */
  jobIds: string[];
}

/** One line per job, and the cluster job's sub-jobs indented below it. */
export async function consoleLines(client: Client, input: ConsoleInput): Promise<string[]> {
  const lines: string[] = [];
  const cluster = await client.execute(ClusterJob, { projectId: input.projectId, jobId: input.clusterJobId });
  const job = cluster.data?.cceJob;
  if (job) {
    lines.push(`${job.type ?? 'CCE job'}  ${job.state}  created ${job.createdAt ?? '?'}  finished ${job.finishedAt ?? '-'}`);
    for (const sub of job.subJobs ?? []) {
      lines.push(`  ${sub.type ?? '?'}  ${sub.state}`);
      for (const leaf of sub.subJobs ?? []) lines.push(`    ${leaf.type ?? '?'}  ${leaf.state}`);
    }
  }
  const dashboard = await client.execute(Dashboard, { ids: input.jobIds });
  for (const [index, entry] of (dashboard.data?.jobs ?? []).entries()) {
    if (!entry) {
      lines.push(`${input.jobIds[index]}  unavailable`);
      continue;
    }
    const progress = entry.progress === null || entry.progress === undefined ? '' : `  ${entry.progress}%`;
    const instance = entry.__typename === 'DbJob' && entry.instanceName ? `  (${entry.instanceName})` : '';
    lines.push(`${entry.source} ${entry.__typename}  ${entry.state}${progress}${instance}`);
  }
  if (input.jobIds[0]) {
    const first = await client.execute(JobStatus, { id: input.jobIds[0] });
    if (first.data?.job) lines.push(`first job again: ${first.data.job.state}, terminal ${first.data.job.terminal}`);
  }
  for (const error of [...(cluster.errors ?? []), ...(dashboard.errors ?? [])]) {
    lines.push(`error at ${error.path?.join('.') ?? '?'}: ${error.extensions?.code ?? ''} ${error.message}`);
  }
  return lines;
}

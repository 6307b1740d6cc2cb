import type { JobBase } from '../model/job.js';

interface Watched extends JobBase {
  subJobs?: readonly Watched[] | undefined;
}

/**
 * What a watcher is told about: state, progress, message, updatedAt, and every sub-job's state,
 * at any depth. Two snapshots with the same fingerprint are one event, not two.
 */
export function fingerprint(job: Watched): string {
  const parts: string[] = [job.state, String(job.progress), job.message ?? '', job.updatedAt ?? ''];
  const stack: Watched[] = [...(job.subJobs ?? [])];
  while (stack.length > 0) {
    const sub = stack.shift()!;
    parts.push(`${sub.jobId}=${sub.state}`);
    if (sub.subJobs) stack.push(...sub.subJobs);
  }
  return parts.join('\u0000');
}

import { caeUpstream } from './cae/index.js';
import { cceUpstream } from './cce/index.js';
import { cfwUpstream } from './cfw/index.js';
import { dbUpstream } from './db/index.js';
import type { JobSource } from '../model/job.js';
import type { UpstreamFactory } from './types.js';

/** The registry: adding an upstream is one folder, one schema file and one line here. */
export const UPSTREAMS: Record<JobSource, UpstreamFactory> = {
  CCE: cceUpstream,
  CAE: caeUpstream,
  CFW: cfwUpstream,
  DB: dbUpstream,
};

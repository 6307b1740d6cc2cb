/**
 * The console on the command line: `npx tsx examples/console/src/main.ts` prints the state of a few
 * jobs. Defaults read the built-in simulator's jobs; set GATEWAY_URL, JOB_GATEWAY_TOKEN, PROJECT_ID,
 * CLUSTER_JOB_ID and JOB_IDS (comma-separated opaque ids) for your own.
 */
import { createClient } from './client.js';
import { consoleLines } from './console.js';

// The simulator's project, a CCE cluster creation with sub-jobs, and an RDS, a CFW and a CAE job by opaque id.
const SIMULATOR = {
  projectId: '09bb24e6fe80d23d2fa2c010b53b418c',
  clusterJobId: '354331b2c-229a-11e8-9c75-0255ac100ceb',
  jobIds: [
    'WyJkYiIsImNuLW5vcnRoLTQiLCIwOWJiMjRlNmZlODBkMjNkMmZhMmMwMTBiNTNiNDE4YyIsIjVlNmY3YThiLTAwMDItNGM5ZC04ZTBmLTFhMmIzYzRkNWUwMiJd',
    'WyJjZnciLCJjbi1ub3J0aC00IiwiMDliYjI0ZTZmZTgwZDIzZDJmYTJjMDEwYjUzYjQxOGMiLCIzYzRkNWU2Zi0wMDAyLTRhN2ItOGM5ZC0wZTFmMmEzYjRjMDIiXQ',
    'WyJjYWUiLCJjbi1ub3J0aC00IiwiMDliYjI0ZTZmZTgwZDIzZDJmYTJjMDEwYjUzYjQxOGMiLCI1ZjhlMmMxYS03YjNkLTRlNmYtOWEwYi1jMWQyZTNmNGE1YjYiLG51bGwsIjFhMmIzYzRkLTAwMDItNGU1Zi04YTliLTBjMWQyZTNmNGEwMiJd',
  ],
};

const env = process.env;
const client = createClient({ url: env.GATEWAY_URL ?? 'http://localhost:4000/graphql', token: env.JOB_GATEWAY_TOKEN });
const lines = await consoleLines(client, {
  projectId: env.PROJECT_ID ?? SIMULATOR.projectId,
  clusterJobId: env.CLUSTER_JOB_ID ?? SIMULATOR.clusterJobId,
  jobIds: env.JOB_IDS ? env.JOB_IDS.split(',').map((id) => id.trim()) : SIMULATOR.jobIds,
});
console.log(lines.join('\n'));

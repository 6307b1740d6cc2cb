#!/usr/bin/env node
/**
 * The `job-gateway` command (package.json `bin`). One subcommand so far: `watch`.
 * `npm run watch -- <global id>` runs it from a checkout after `npm run build`.
 */
import { EXIT, WATCH_USAGE, runWatch } from './cli/watch.js';

const USAGE = `usage: job-gateway <command> [options]

commands:
  watch <global id>   follow a job until it ends (job-gateway watch --help)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  if (command === 'watch') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${WATCH_USAGE}\n`);
      return EXIT.OK;
    }
    return runWatch(rest, io);
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? process.stderr : process.stdout).write(`${USAGE}\n`);
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  process.stderr.write(`job-gateway: unknown command "${command}"\n\n${USAGE}\n`);
  return EXIT.USAGE;
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything is closed by now; should a stray socket linger, do not let it hold the exit code hostage.
setTimeout(() => process.exit(code), 2000).unref();

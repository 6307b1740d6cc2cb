#!/usr/bin/env bash
# The production path without a Docker engine: build the runtime tree with the very script the
# Dockerfile's build stage runs, start it with the Dockerfile's own CMD (read from the Dockerfile, not
# repeated here) and NODE_ENV=production, then check /health, /ready and one query against the
# built-in simulator. Fails loudly, with the server's output, on anything else.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-production.XXXXXX")
pid=

cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "check-production: FAIL: $*" >&2
  if [ -s "$tmp/server.log" ]; then
    echo "--- server output ---" >&2
    cat "$tmp/server.log" >&2
  fi
  exit 1
}

started=$SECONDS
echo "check-production: the Dockerfile builds with scripts/production-build.sh; its CMD"
# Prints the final stage's CMD as NUL-separated arguments, after checking the Dockerfile has not drifted
# from the script: the build stage copies every source the script reads and runs it into /out, and the
# final stage takes /out whole.
node --input-type=module - "$root/Dockerfile" "$root/scripts/production-build.sh" >"$tmp/cmd" <<'JS' || fail "the Dockerfile does not match scripts/production-build.sh (see above)"
import { readFileSync } from 'node:fs';
const [dockerfile, script] = process.argv.slice(2);
const instructions = readFileSync(dockerfile, 'utf8')
  .replace(/\\\r?\n/g, ' ')
  .split(/\r?\n/)
  .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'))
  .map((line) => {
    const m = /^\s*(\S+)\s*(.*)$/.exec(line);
    return { op: m[1].toUpperCase(), args: m[2].trim() };
  });
const stages = [];
for (const i of instructions) {
  if (i.op === 'FROM') stages.push({ name: /\bAS\s+(\S+)/i.exec(i.args)?.[1] ?? '', instructions: [] });
  else stages.at(-1)?.instructions.push(i);
}
const problems = [];
const build = stages.find((s) => s.name === 'build');
const final = stages.at(-1);
if (!build) problems.push('no build stage ("FROM ... AS build")');
else {
  if (!build.instructions.some((i) => i.op === 'RUN' && /scripts\/production-build\.sh \/out\b/.test(i.args))) {
    problems.push('the build stage does not RUN scripts/production-build.sh /out');
  }
  const copied = build.instructions.filter((i) => i.op === 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  const sources = /^sources=\(([^)]*)\)/m.exec(readFileSync(script, 'utf8'))?.[1].trim().split(/\s+/) ?? [];
  if (sources.length === 0) problems.push('no sources=(...) list in scripts/production-build.sh');
  for (const s of [...sources, 'scripts/production-build.sh']) if (!copied.includes(s)) problems.push(`the build stage does not COPY ${s}`);
}
if (!final?.instructions.some((i) => i.op === 'COPY' && /^--from=build\s+\/out\s+\.$/.test(i.args))) {
  problems.push('the final stage does not COPY --from=build /out .');
}
// Kubernetes' runAsNonRoot can only verify a numeric user (a name would need the image's /etc/passwd).
const user = (final?.instructions ?? []).filter((i) => i.op === 'USER').at(-1)?.args;
if (!user || !/^[1-9]\d*(:\d+)?$/.test(user)) problems.push(`the final stage's USER is not a numeric non-root uid: ${user}`);
const cmds = (final?.instructions ?? []).filter((i) => i.op === 'CMD');
let cmd;
try {
  cmd = JSON.parse(cmds.at(-1)?.args ?? '');
} catch {
  problems.push(`the final stage's CMD is not a JSON array: ${cmds.at(-1)?.args}`);
}
if (cmd && (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((a) => typeof a === 'string'))) problems.push('CMD is not a JSON array of strings');
if (problems.length) {
  for (const p of problems) console.error(`check-production: ${p}`);
  process.exit(1);
}
process.stdout.write(cmd.map((a) => `${a}\0`).join(''));
JS
mapfile -d '' cmd <"$tmp/cmd"
echo "check-production: CMD ${cmd[*]}"

echo "check-production: build the runtime tree"
bash "$root/scripts/production-build.sh" "$tmp/app" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; fail "scripts/production-build.sh failed"; }
echo "check-production: built in $((SECONDS - started))s: $(cd "$tmp/app" && echo *)"
[ "$(cd "$tmp/app" && echo *)" = "dist node_modules package.json schema" ] || fail "unexpected runtime tree: $(cd "$tmp/app" && echo *)"
for dev in typescript vitest tsx playwright-core @graphql-codegen; do
  [ ! -e "$tmp/app/node_modules/$dev" ] || fail "dev dependency $dev in the production tree"
done

port=$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
base="http://127.0.0.1:$port"
echo "check-production: NODE_ENV=production with no endpoint and no SIMULATOR=true must refuse to start"
if (cd "$tmp/app" && exec env -i PATH="$PATH" HOME="$tmp" NODE_ENV=production PORT="$port" HOST=127.0.0.1 timeout 30 "${cmd[@]}") >"$tmp/refused.log" 2>&1; then
  cat "$tmp/refused.log" >&2
  fail "it started (or exited 0) with NODE_ENV=production and no endpoint"
fi
grep -q 'CCE_ENDPOINT' "$tmp/refused.log" || { cat "$tmp/refused.log" >&2; fail "the refusal does not name CCE_ENDPOINT"; }
echo "check-production: refused: $(head -n 1 "$tmp/refused.log")"
echo "check-production: start it on $base (NODE_ENV=production SIMULATOR=true: the built-in simulator)"
# A clean environment, as in the container: no *_ENDPOINT or CLOUD_SDK_* leaks in from this shell.
# JOB_PAGES=true: the job page's bundle must come from dist/web (the image has no esbuild to build it).
(cd "$tmp/app" && exec env -i PATH="$PATH" HOME="$tmp" NODE_ENV=production SIMULATOR=true PORT="$port" HOST=127.0.0.1 JOB_PAGES=true "${cmd[@]}") >"$tmp/server.log" 2>&1 &
pid=$!

probe() { node -e "fetch(process.argv[1]).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))" "$1"; }
deadline=$((SECONDS + 30))
until probe "$base/health"; do
  kill -0 "$pid" 2>/dev/null || fail "the server exited before /health answered"
  [ "$SECONDS" -lt "$deadline" ] || fail "/health did not answer 200 within 30s"
  sleep 0.2
done
echo "check-production: /health 200"
probe "$base/ready" || fail "/ready did not answer 200"
echo "check-production: /ready 200"
for asset in job-page.js job-page.css; do
  probe "$base/jobs/assets/$asset" || fail "/jobs/assets/$asset did not answer 200 (is dist/web in the runtime tree?)"
done
echo "check-production: job page assets 200"

# One query for a simulator job, with the ids read from the built simulator rather than repeated here.
node --input-type=module - "$base" "$tmp/app" <<'JS' || fail "the query did not answer the simulator's job"
import { pathToFileURL } from 'node:url';
const [base, app] = process.argv.slice(2);
const { SIM_PROJECT_ID, SIM_IDS } = await import(pathToFileURL(`${app}/dist/simulator/server.js`).href);
const query = `{ cceJob(projectId: "${SIM_PROJECT_ID}", jobId: "${SIM_IDS.cce.deepTree}") { jobId type state rawStatus } }`;
const res = await fetch(`${base}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json' },
  body: JSON.stringify({ query }),
});
const text = await res.text();
const job = res.status === 200 ? JSON.parse(text).data?.cceJob : undefined;
if (!job || job.jobId !== SIM_IDS.cce.deepTree || job.type !== 'ScaleupCluster' || job.state !== 'RUNNING' || text.includes('"errors"')) {
  console.error(`check-production: POST /graphql answered ${res.status}: ${text}`);
  process.exit(1);
}
console.log(`check-production: query 200: ${JSON.stringify(job)}`);
JS

kill -TERM "$pid"
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "the server did not stop within 10s of SIGTERM"
set +e
wait "$pid"
status=$?
set -e
pid=
[ "$status" -eq 0 ] || fail "the server exited with status $status on SIGTERM"
echo "check-production: stopped cleanly on SIGTERM; OK in $((SECONDS - started))s"

#!/usr/bin/env bash
# Produces the runtime tree the container runs, into DEST: the one recipe both the Dockerfile's build
# stage and scripts/check-production.sh use, so what CI starts is what the image ships.
#
#   1. lockfile install (dev dependencies included) and `npm run build`, in a scratch copy of the sources;
#   2. production-only dependencies (`npm ci --omit=dev --ignore-scripts`) in a clean directory;
#   3. DEST = that node_modules + dist/ + schema/ (read at start-up) + package.json.
#
# Usage: scripts/production-build.sh DEST   (DEST must not exist, or be empty)
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 DEST" >&2
  exit 2
fi
dest=$1
if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
  echo "production-build: $dest exists and is not empty; give a new or empty directory" >&2
  exit 2
fi

src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/production-build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# What the build reads, and nothing else (no node_modules, dist or tests from the source tree).
sources=(package.json package-lock.json tsconfig.json tsconfig.build.json codegen.yml schema src)

echo "production-build: build (lockfile install + tsc) in $work/build"
mkdir -p "$work/build"
for f in "${sources[@]}"; do cp -R "$src/$f" "$work/build/"; done
(cd "$work/build" && npm ci --no-audit --no-fund && npm run build)

echo "production-build: production dependencies in $work/prod"
mkdir -p "$work/prod"
cp "$src/package.json" "$src/package-lock.json" "$work/prod/"
(cd "$work/prod" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund)

echo "production-build: runtime tree in $dest"
mkdir -p "$dest"
mv "$work/prod/node_modules" "$dest/node_modules"
cp -R "$work/build/dist" "$dest/dist"
# The SDL is read at start-up: dist/graph/schema.js finds it at ../../schema.
cp -R "$src/schema" "$dest/schema"
cp "$src/package.json" "$dest/package.json"

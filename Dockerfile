# syntax=docker/dockerfile:1
# Node 24 LTS: Node 20 (what the CI machines run) is past end of life; the code runs on both.

# The runtime tree comes from scripts/production-build.sh, the same script CI's production check
# (scripts/check-production.sh) runs and then starts with this file's CMD: lockfile install, build,
# production-only dependencies in a clean directory, dist/ + schema/ + package.json beside them.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json codegen.yml ./
COPY schema ./schema
COPY src ./src
COPY scripts/production-build.sh ./scripts/
RUN --mount=type=cache,target=/root/.npm bash scripts/production-build.sh /out

FROM node:24-slim
ENV NODE_ENV=production PORT=4000 HOST=0.0.0.0
WORKDIR /app
# node_modules (production only), dist/, schema/ (the SDL is read at start-up) and package.json.
COPY --from=build /out .
# The image's `node` user by number: Kubernetes' runAsNonRoot can only verify a numeric USER.
USER 1000:1000
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The heap bound (as `npm start`): live heap is ~60-75 MB with every cache full, plus ~26-37 KB per open
# subscription; without a bound V8 lets the old generation grow to ~4x live, and Node 24's young
# generation to 128 MB (bench/findings.md, issue 13). Semi-space 16 MB is Node 20's own maximum: 8 MB cost
# x1.35-1.4 CPU per request in paired runs. 160 MB leaves room for ~2,400 open subscriptions
# over a full cache; raise it with the subscription limits (MAX_SUBSCRIPTIONS_*, MAX_POLLERS).
CMD ["node", "--enable-source-maps", "--max-old-space-size=160", "--max-semi-space-size=16", "dist/main.js"]

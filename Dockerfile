# Mission Control runtime: one container per account. Build from the repository root:
#   docker build --build-arg RUNTIME_VERSION="$(git describe --tags --always)" -t mission-control-runtime .
# The image runs the bundle in dist/ (scripts/build-dist.mjs: one script instead of ~1,000 source
# and dependency modules, run by bin/load-program.js with its code cache): start-up and memory are
# what docs/performance.md measures.
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# All dependencies (esbuild and typescript build dist/). --ignore-scripts: the `node`
# devDependency's second Node binary is not needed, the base image's node runs the build.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/ ./scripts/
COPY core/ ./core/
COPY plugins/ ./plugins/
COPY sdk/ ./sdk/
COPY entry/ ./entry/
RUN node scripts/build-dist.mjs

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. This also leaves out the `node` devDependency (a second Node 24
# binary for development): the image runs the base image's node. No install scripts are needed.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
# The version reported to the backend, /version and runtime_build_info. When empty the runtime
# reads package.json (which is in the image), so it never reports a made-up default.
ARG RUNTIME_VERSION=""
# HEALTH_HOST: all interfaces inside the container, so `docker run -p 127.0.0.1:3000:3000` reaches
# it; publish on the host's loopback (outside a container the runtime's default stays 127.0.0.1).
ENV NODE_ENV=production \
    RUNTIME_VERSION=${RUNTIME_VERSION} \
    RUNTIME_DATA_DIR=/var/lib/mc-runtime \
    HEALTH_HOST=0.0.0.0 \
    HEALTH_PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin/ ./bin/
# Only the bundle, no sources: bin/mc-runtime.js runs dist/ directly. It holds the plugin SDK entry
# that plugin packages baked into a derived image import (docs/deployments.md).
COPY --from=build /app/dist ./dist
COPY config/ ./config/
# Every volume mount point exists and belongs to node: a fresh named volume takes the mount
# point's owner, so profile sync can write /workspace even when no gateway shares the volume.
RUN mkdir -p /var/lib/mc-runtime /workspace /app/.compile-cache && chown node:node /var/lib/mc-runtime /workspace /app/.compile-cache
USER node
# V8's compiled code for the program, made once at build time so that a new container does not
# compile it again: one real `start` with the plugins production runs (the Convex backend, at an
# address where nothing listens; a throwaway data dir; no gateway), stopped as soon as every plugin
# has started, which is when bin/load-program.js writes the start command's code cache (named by the
# program's content hash, so it is found on any host the image runs on). The node flag must be the
# CMD's: V8 rejects a cache made under other V8 flags. Made as node: a cache directory is used only
# by its owner.
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN RUNTIME_DATA_DIR=/tmp/mc-warm CONVEX_URL=http://127.0.0.1:9 ACCOUNT_ID=warmup SERVICE_TOKEN=mc_service_warmup_0 \
    node --max-semi-space-size=1 bin/mc-runtime.js start > /tmp/mc-warm.log 2>&1 & pid=$!; \
    for i in $(seq 1 600); do ls /app/.compile-cache/mc-runtime-*/*-start.* > /dev/null 2>&1 && break; kill -0 $pid 2> /dev/null || break; sleep 0.1; done; \
    kill -TERM $pid 2> /dev/null; wait $pid; \
    ls /app/.compile-cache/mc-runtime-*/*-start.* > /dev/null || { cat /tmp/mc-warm.log; exit 1; }; \
    rm -rf /tmp/mc-warm /tmp/mc-warm.log
EXPOSE 3000
# Exec-form CMD: node is PID 1 and receives SIGTERM itself (drain, offline report, exit 0).
STOPSIGNAL SIGTERM
# Liveness only (process answers); readiness (/readyz) depends on the backend and gateway and
# must not make Docker restart the container. The slim image has no curl, hence node. A 5 s
# interval makes a new container healthy within seconds on every engine (a start interval would
# need Engine 25: Compose refuses `start_interval` on older engines).
HEALTHCHECK --interval=5s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||3000)+'/livez',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The V8 flag keeps memory flat under load (bin/mc-runtime.js; on the command line, no second exec).
CMD ["node", "--max-semi-space-size=1", "bin/mc-runtime.js", "start"]

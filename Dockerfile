# syntax=docker/dockerfile:1
# Mission Control runtime: one container per account. Build from the repository root:
#   docker build --build-arg RUNTIME_VERSION="$(git describe --tags --always)" -t mission-control-runtime .
# The runtime is TypeScript run by Node 24's type stripping: no build step, sources are copied as they are.
ARG NODE_IMAGE=node:24-slim

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
ENV NODE_ENV=production \
    RUNTIME_VERSION=${RUNTIME_VERSION} \
    RUNTIME_DATA_DIR=/var/lib/mc-runtime \
    HEALTH_PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin/ ./bin/
COPY core/ ./core/
COPY plugins/ ./plugins/
COPY config/ ./config/
RUN mkdir -p /var/lib/mc-runtime && chown node:node /var/lib/mc-runtime
USER node
EXPOSE 3000
# Exec-form CMD: node is PID 1 and receives SIGTERM itself (drain, offline report, exit 0).
STOPSIGNAL SIGTERM
# Liveness only (process answers); readiness (/readyz) depends on the backend and gateway and
# must not make Docker restart the container. The slim image has no curl, hence node.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||3000)+'/livez',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "bin/mc-runtime.js", "start"]

#!/usr/bin/env bash
# Upgrade a local Compose deployment in place: pull (or build) the images, down, up -d, wait until
# the runtime is healthy, print the versions it ended on. Volumes (data, workspaces, gateway state)
# are kept. Run from anywhere; it works from the repository root.
#   scripts/runtime-upgrade-local.sh                    # runtime only
#   PROFILE=openclaw scripts/runtime-upgrade-local.sh   # with the OpenClaw gateway
#   BUILD=1 scripts/runtime-upgrade-local.sh            # build from this checkout instead of pulling
# Environment: PROFILE, BUILD, WAIT_SECONDS (default 180), COMPOSE_FILE (default docker-compose.runtime.yml).
set -euo pipefail
cd "$(dirname "$0")/.."

COMPOSE_FILE=${COMPOSE_FILE:-docker-compose.runtime.yml}
WAIT_SECONDS=${WAIT_SECONDS:-180}
compose=(docker compose -f "$COMPOSE_FILE")
[ -n "${PROFILE:-}" ] && compose+=(--profile "$PROFILE")
log() { printf '[upgrade] %s\n' "$*" >&2; }

docker compose version >/dev/null 2>&1 || { log "docker compose (v2, >= 2.24) is needed"; exit 1; }
if [ -n "${BUILD:-}" ]; then
  log "building images from $(pwd)"
  "${compose[@]}" build
else
  log "pulling images (locally built images without a registry are kept as they are)"
  "${compose[@]}" pull --ignore-buildable 2>/dev/null || "${compose[@]}" pull --ignore-pull-failures || true
fi
log "stopping the stack (the runtime drains, the gateway finishes runs in flight)"
"${compose[@]}" down
log "starting the stack"
"${compose[@]}" up -d

runtime=$("${compose[@]}" ps -q runtime)
[ -n "$runtime" ] || { log "no runtime container after up"; exit 1; }
status=""
for _ in $(seq 1 "$WAIT_SECONDS"); do
  status=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$runtime")
  [ "$status" = healthy ] && break
  [ "$status" = unhealthy ] || [ "$status" = exited ] && break
  sleep 1
done
if [ "$status" != healthy ]; then
  log "runtime is $status after ${WAIT_SECONDS} s; last log lines:"
  docker logs --tail 30 "$runtime" >&2
  exit 1
fi
# /version from inside the container (no curl in the image): the versions it ended on.
versions=$(docker exec "$runtime" node -e "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||3000)+'/version').then(r=>r.json()).then(v=>console.log('runtime '+v.runtimeServiceVersion+', openclaw '+(v.openclawVersion??'unknown')+', node '+v.node))")
log "runtime healthy: $versions"
if [ -n "${PROFILE:-}" ]; then
  gateway=$("${compose[@]}" ps -q openclaw-gateway)
  [ -n "$gateway" ] && log "gateway: $(docker inspect -f '{{.Config.Image}} {{.State.Status}}' "$gateway") (healthy within a minute or two; docker compose -f $COMPOSE_FILE ps)"
fi

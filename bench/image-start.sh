#!/usr/bin/env bash
# Container start to first 200 on /readyz, with and without the image's AOT cache, in the same run:
# builds the image once (stand-in base images from this machine, as ContainerImageTest does), then starts it
# ROUNDS times each way, alternating, so drift in a shared machine's load falls on both. Prints each start,
# the medians and their ratio. A Docker engine of its own is started and stopped by process id.
#
#   bench/image-start.sh [ROUNDS]      (default 5)
#
# Needs: root, dockerd and docker (apt-get install docker.io), JDK 25 (JAVA_HOME), Maven, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
: "${JAVA_HOME:?set JAVA_HOME to a JDK 25}"

WORK=$(mktemp -d /tmp/cangku-image-bench.XXXXXX)
export DOCKER_HOST=unix://$WORK/docker.sock DOCKER_CONFIG=$WORK/docker-config
cleanup() {
  if [ -f "$WORK/dockerd.pid" ]; then
    kill "$(cat "$WORK/dockerd.pid")" 2>/dev/null || true
    for _ in $(seq 1 60); do [ -f "$WORK/dockerd.pid" ] || break; sleep 0.5; done
  fi
  # dockerd leaves its network namespace mounted under exec-root
  awk -v dir="$WORK/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | while read -r mount; do umount "$mount"; done
  rm -rf "$WORK"
}
trap cleanup EXIT

dockerd --host "$DOCKER_HOST" --data-root "$WORK/data" --exec-root "$WORK/exec" --pidfile "$WORK/dockerd.pid" \
  --iptables=false --ip6tables=false --bridge=none >"$WORK/dockerd.log" 2>&1 &
for _ in $(seq 1 120); do docker version >/dev/null 2>&1 && break; sleep 0.5; done

echo "building the image..." >&2
bash src/test/resources/io/cangku/packaging/stand-in-base-images.sh bench/jre:25 bench/maven:25 "$WORK/base" >&2
DOCKER_BUILDKIT=0 docker build -q --network host --build-arg BUILD_IMAGE=bench/maven:25 \
  --build-arg RUNTIME_IMAGE=bench/jre:25 -t bench/cangku . >/dev/null
docker volume create bench-data >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# start_ms AOTMODE: milliseconds from `docker start` to the first 200 on /readyz
start_ms() {
  local port id started
  port=$(free_port)
  id=$(docker create --network host --read-only --user 10001:10001 -v bench-data:/data --tmpfs /tmp \
    -e SERVER_ADDRESS=127.0.0.1 -e SERVER_PORT="$port" -e MANAGEMENT_SERVER_PORT="$(free_port)" \
    -e REGISTRY_AUTH_ADMIN_PASSWORD=bench-admin-password -e JDK_JAVA_OPTIONS="-XX:AOTMode=$1" bench/cangku)
  started=$(date +%s%N)
  docker start "$id" >/dev/null
  until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do sleep 0.01; done
  echo $(( ($(date +%s%N) - started) / 1000000 ))
  docker rm -f "$id" >/dev/null
}

with=() without=()
for round in $(seq 1 "$ROUNDS"); do
  with+=("$(start_ms on)")
  without+=("$(start_ms off)")
  echo "round $round: with AOT cache ${with[-1]} ms, without ${without[-1]} ms" >&2
done
python3 - "${with[*]}" "${without[*]}" <<'PY'
import statistics, sys
w = [int(x) for x in sys.argv[1].split()]; wo = [int(x) for x in sys.argv[2].split()]
mw, mwo = statistics.median(w), statistics.median(wo)
print(f"start to first 200 on /readyz, median of {len(w)}: with AOT cache {mw:.0f} ms, without {mwo:.0f} ms, "
      f"ratio {mwo / mw:.2f}")
PY
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)"

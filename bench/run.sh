#!/usr/bin/env bash
# Push/pull throughput of Cangku beside CNCF Distribution 2.8 (Debian's docker-registry), on the same
# machine, in the same run, on both storage kinds: a local folder, and S3 (one s3proxy serving both).
# Everything listens on 127.0.0.1 and is stopped by process id at the end.
#
#   bench/run.sh [--blobs 16] [--size-mib 32] [--clients 4] [--rounds 5]
#
# Needs: JDK 21+ (JAVA_HOME), Maven, docker-registry (apt-get install docker-registry), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_ARGS=("$@")
JAVA="${JAVA_HOME:?set JAVA_HOME to a JDK 21+}/bin/java"
command -v docker-registry >/dev/null || { echo "docker-registry not installed (apt-get install docker-registry)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/cangku-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { # url
  for _ in $(seq 1 120); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.5
  done
  echo "timed out waiting for $1" >&2; return 1
}

echo "building Cangku and fetching s3proxy..." >&2
mvn -B -q package -DskipTests
mvn -B -q dependency:copy -Dartifact=org.gaul:s3proxy:4.1.0:jar:jar-with-dependencies -DoutputDirectory="$WORK" -Dmdep.stripVersion=true
S3PROXY_JAR="$WORK/s3proxy-jar-with-dependencies.jar"

# one S3-compatible server (filesystem-backed) for both registries, a bucket each
S3_PORT=$(free_port)
mkdir -p "$WORK/s3/cangku" "$WORK/s3/distribution"
cat > "$WORK/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench
s3proxy.credential=bench-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$WORK/s3
PROPS
"$JAVA" -jar "$S3PROXY_JAR" --properties "$WORK/s3proxy.properties" >"$WORK/s3proxy.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$S3_PORT/"

start_cangku() { # label port extra-args...
  local label=$1 port=$2; shift 2
  "$JAVA" -jar target/cangku.jar --server.port="$port" --server.address=127.0.0.1 --registry.auth.mode=none "$@" \
    >"$WORK/$label.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/v2/"
}

start_distribution() { # label port storage-yaml
  local label=$1 port=$2 storage=$3
  cat > "$WORK/$label.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
$storage
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$port
YAML
  # AWS_CA_BUNDLE (set on some machines) makes the Go SDK of Distribution 2.8 panic with a custom transport
  env -u AWS_CA_BUNDLE docker-registry serve "$WORK/$label.yml" >"$WORK/$label.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/v2/"
}

# Both registries of a backend run side by side and the load generator alternates between them round
# by round, so they see the same machine (idle servers cost nothing; only one is loaded at a time).
D_FS=$(free_port); start_distribution distribution-fs "$D_FS" "  filesystem:
    rootdirectory: $WORK/distribution-fs"
C_FS=$(free_port); start_cangku cangku-fs "$C_FS" --registry.storage.filesystem.root="$WORK/cangku-fs"
"$JAVA" -Xmx4g bench/RegistryBench.java --target "distribution-fs=http://127.0.0.1:$D_FS" \
  --target "cangku-fs=http://127.0.0.1:$C_FS" "${BENCH_ARGS[@]}" | tee -a "$WORK/results.csv"

# Same settings for both on S3: blobs are served through the registry (Distribution's redirect is off,
# as Cangku's is by default), parts of 16 MiB.
D_S3=$(free_port); start_distribution distribution-s3 "$D_S3" "  s3:
    region: us-east-1
    regionendpoint: http://127.0.0.1:$S3_PORT
    bucket: distribution
    accesskey: bench
    secretkey: bench-secret
    secure: false
    v4auth: true
    chunksize: 16777216
  redirect:
    disable: true"
C_S3=$(free_port); start_cangku cangku-s3 "$C_S3" --registry.storage.type=s3 --registry.storage.s3.bucket=cangku \
  --registry.storage.s3.endpoint="http://127.0.0.1:$S3_PORT" --registry.storage.s3.path-style-access=true \
  --registry.storage.s3.access-key=bench --registry.storage.s3.secret-key=bench-secret \
  --registry.storage.s3.region=us-east-1 --registry.storage.s3.part-size=16MB
"$JAVA" -Xmx4g bench/RegistryBench.java --target "distribution-s3=http://127.0.0.1:$D_S3" \
  --target "cangku-s3=http://127.0.0.1:$C_S3" "${BENCH_ARGS[@]}" | tee -a "$WORK/results.csv"

echo
echo "backend     phase  distribution MiB/s  cangku MiB/s  cangku/distribution"
for backend in fs s3; do
  for phase in push pull; do
    d=$(awk -F, -v l="distribution-$backend" -v p=$phase '$1==l && $2==p {print $3}' "$WORK/results.csv")
    c=$(awk -F, -v l="cangku-$backend" -v p=$phase '$1==l && $2==p {print $3}' "$WORK/results.csv")
    printf "%-11s %-6s %18s  %12s  %19s\n" "$backend" "$phase" "$d" "$c" "$(awk -v c="$c" -v d="$d" 'BEGIN {printf "%.2f", c/d}')"
  done
done

# Shared by the bench/*.sh scripts (sourced, not run): a work folder removed at exit, processes started in
# the background and stopped by process id, and the start/stop/wait helpers for Cangku, Distribution 2.8
# and s3proxy. Everything listens on 127.0.0.1.
#
#   source "$(dirname "$0")/lib.sh"; bench_init cangku-gcbench
#
# After bench_init: $JAVA, $WORK, and bench_spawn LOG COMMAND... to start a process that cleanup stops.

bench_init() { # work-folder-prefix
  JAVA="${JAVA_HOME:?set JAVA_HOME to a JDK 21+}/bin/java"
  command -v docker-registry >/dev/null || { echo "docker-registry not installed (apt-get install docker-registry)" >&2; exit 1; }
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
}

# bench_options NAME... -- "$@": for each --NAME VALUE among the arguments sets the variable NAME in upper case
# (dashes as underscores); any other argument ends the script with exit code 2. Defaults are set before.
bench_options() {
  local names=() name found
  while [ "$1" != -- ]; do names+=("$1"); shift; done
  shift
  while [ $# -gt 0 ]; do
    found=
    for name in "${names[@]}"; do
      if [ "$1" = "--$name" ] && [ $# -ge 2 ]; then
        printf -v "$(tr 'a-z-' 'A-Z_' <<<"$name")" %s "$2"
        found=1
      fi
    done
    [ -n "$found" ] || { echo "unknown argument $1" >&2; exit 2; }
    shift 2
  done
}

bench_cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${BENCH_KEEP:-}" ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}

bench_spawn() { # log-file command...: runs it in the background until the script ends
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  PIDS+=($!)
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_http() { # url [seconds]
  local tries=$(( ${2:-60} * 2 ))
  for _ in $(seq 1 "$tries"); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.5
  done
  echo "timed out waiting for $1" >&2; return 1
}

build_cangku() {
  echo "building Cangku..." >&2
  mvn -B -q package -DskipTests
}

start_cangku() { # label port extra-args...: a server without authentication, log in $WORK/label.log
  local label=$1 port=$2; shift 2
  bench_spawn "$WORK/$label.log" "$JAVA" -jar target/cangku.jar --server.port="$port" --server.address=127.0.0.1 \
    --registry.auth.mode=none "$@"
  wait_http "http://127.0.0.1:$port/v2/"
}

distribution_config() { # file storage-yaml [port]: Distribution 2.8's configuration, deletes enabled
  cat > "$1" <<YAML
version: 0.1
log:
  level: warn
storage:
$2
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:${3:-0}
YAML
}

# AWS_CA_BUNDLE (set on some machines) makes the Go SDK of Distribution 2.8 panic with a custom transport
DISTRIBUTION=(env -u AWS_CA_BUNDLE docker-registry)

start_distribution() { # label port storage-yaml
  local label=$1 port=$2 storage=$3
  distribution_config "$WORK/$label.yml" "$storage" "$port"
  bench_spawn "$WORK/$label.log" "${DISTRIBUTION[@]}" serve "$WORK/$label.yml"
  wait_http "http://127.0.0.1:$port/v2/"
}

# One s3proxy (filesystem provider: each bucket is a folder of $WORK/s3) for both registries. Sets S3_PORT.
S3_ACCESS_KEY=bench S3_SECRET_KEY=bench-secret
start_s3proxy() {
  echo "fetching s3proxy..." >&2
  mvn -B -q dependency:copy -Dartifact=org.gaul:s3proxy:4.1.0:jar:jar-with-dependencies -DoutputDirectory="$WORK" \
    -Dmdep.stripVersion=true
  S3_PORT=$(free_port)
  mkdir -p "$WORK/s3/cangku" "$WORK/s3/distribution"
  cat > "$WORK/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_ACCESS_KEY
s3proxy.credential=$S3_SECRET_KEY
jclouds.provider=filesystem
jclouds.filesystem.basedir=$WORK/s3
PROPS
  bench_spawn "$WORK/s3proxy.log" "$JAVA" -jar "$WORK/s3proxy-jar-with-dependencies.jar" --properties "$WORK/s3proxy.properties"
  wait_http "http://127.0.0.1:$S3_PORT/"
}

cangku_s3_args() { # bucket [extra]: Cangku's settings for the s3proxy above
  echo --registry.storage.type=s3 --registry.storage.s3.bucket="$1" \
    --registry.storage.s3.endpoint="http://127.0.0.1:$S3_PORT" --registry.storage.s3.path-style-access=true \
    --registry.storage.s3.access-key="$S3_ACCESS_KEY" --registry.storage.s3.secret-key="$S3_SECRET_KEY" \
    --registry.storage.s3.region=us-east-1 --registry.storage.startup-timeout=5m # a loaded machine's s3proxy is slow
}

distribution_s3_yaml() { # bucket: Distribution's storage section for the s3proxy above
  echo "  s3:
    region: us-east-1
    regionendpoint: http://127.0.0.1:$S3_PORT
    bucket: $1
    accesskey: $S3_ACCESS_KEY
    secretkey: $S3_SECRET_KEY
    secure: false
    v4auth: true"
}

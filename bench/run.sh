#!/usr/bin/env bash
# Push/pull throughput of Cangku beside CNCF Distribution 2.8 (Debian's docker-registry), on the same
# machine, in the same run, on both storage kinds: a local folder, and S3 (one s3proxy serving both).
# Everything listens on 127.0.0.1 and is stopped by process id at the end.
#
#   bench/run.sh [RegistryBench options]      push, pull, chunked, concurrent images, small requests (fs, S3),
#                                             peak RSS and start-up of every server (see bench/RegistryBench.java)
#   bench/run.sh startup [ROUNDS]                     java -jar start to first 200, beside Distribution (default 5;
#                                                     BASELINE_JAR=other.jar adds that build, both ways)
#   bench/run.sh all                                  throughput, then start-up, then listing: the whole table
#   [TAGS=1000,5000,10000,50000] [REPOSITORIES=1000,10000] bench/run.sh listing [--rounds 3] [--clients 8]
#                                                      tags, catalog and filtered catalog at scale (fs)
#   bench/run.sh jmh [JMH options]                     hot paths in one JVM (digest, manifest parse, route)
#
# Needs: JDK 21+ (JAVA_HOME), Maven, docker-registry (apt-get install docker-registry), python3; for
# listing also htpasswd (apache2-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=throughput
case "${1:-}" in
  listing|jmh|throughput|startup|all) MODE=$1; shift ;;
esac
if [ "$MODE" = all ]; then
  mvn -B -q package -DskipTests
  export SKIP_BUILD=1
  "$0" throughput "$@"
  "$0" startup 3
  exec "$0" listing
fi
# The JVM settings Cangku runs with (README.md, Benchmarks: memory): a 256 MiB heap committed only as it is
# needed, G1 with a collection every 2 s when idle and a 50 ms pause goal, and a code cache bounded to what is
# used. Measured (peak RSS over a whole throughput run, fs): G1 defaults about 300 MiB under heavy machine load
# (NMT: G1 committed the whole heap), the serial collector 390 to 450 MiB once the machine was quieter (the old
# generation fills with promoted garbage up to -Xmx before a full collection), these settings 295 MiB.
CANGKU_JAVA_OPTS=${CANGKU_JAVA_OPTS:--Xmx256m -Xms32m -XX:+UseG1GC -XX:G1PeriodicGCInterval=2000 -XX:MaxGCPauseMillis=50 -XX:ReservedCodeCacheSize=64m -XX:TrimNativeHeapInterval=1000}
BENCH_ARGS=("$@")
if [ "$MODE" = jmh ]; then
  # A profile of its own, so the normal build neither compiles nor downloads JMH.
  mvn -B -q -Pjmh test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath
  exec "${JAVA_HOME:?set JAVA_HOME}/bin/java" -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" \
    org.openjdk.jmh.Main 'io.cangku.bench.*' "$@"
fi
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

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# The first 200 from /v2/, polled every 10 ms: start-up as a client sees it.
# Polls every 10 ms without starting a process per try: a curl and a sleep forked 100 times a second took
# about a core's fifth from the two this machine has, away from the server whose start was being timed.
exec {NAP_FD}<> <(:)   # a pipe nobody writes to: `read -t` on it sleeps in the shell itself
wait_200() { # url: http://HOST:PORT/PATH
  local address=${1#http://} status
  local host_port=${address%%/*} path=/${address#*/}
  local host=${host_port%:*} port=${host_port##*:}
  for _ in $(seq 1 6000); do
    if { exec {probe}<>"/dev/tcp/$host/$port"; } 2>/dev/null; then
      printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$host_port" >&"$probe"
      status=
      read -r -t 5 -u "$probe" _ status _ || true
      exec {probe}>&-
      [ "$status" = 200 ] && return 0
    fi
    read -r -t 0.01 -u "$NAP_FD" _ || true
  done
  echo "timed out waiting for $1" >&2; return 1
}
# Peak resident memory (VmHWM) of a process, in MiB.
peak_rss() { awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

start_cangku() { # label port extra-args...
  local label=$1 port=$2 started; shift 2
  started=$(now_ms)
  # shellcheck disable=SC2086
  "$JAVA" $CANGKU_JAVA_OPTS -jar target/cangku.jar --server.port="$port" --server.address=127.0.0.1 \
    --management.server.port=0 --registry.auth.mode=none "$@" >"$WORK/$label.log" 2>&1 &
  PIDS+=($!)
  eval "PID_${label//-/_}=$!"
  wait_200 "http://127.0.0.1:$port/v2/"
  echo "$label started in $(( $(now_ms) - started )) ms" >&2
}

start_distribution() { # label port storage-yaml
  local label=$1 port=$2 storage=$3 started
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
  started=$(now_ms)
  env -u AWS_CA_BUNDLE docker-registry serve "$WORK/$label.yml" >"$WORK/$label.log" 2>&1 &
  PIDS+=($!)
  eval "PID_${label//-/_}=$!"
  wait_200 "http://127.0.0.1:$port/v2/"
  echo "$label started in $(( $(now_ms) - started )) ms" >&2
}

start_distribution_config() { # port root: the same configuration as start_distribution, on the filesystem
  cat > "$WORK/distribution-start.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $2
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$1
YAML
}

stop() { # pid: stops one server and waits for it
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

if [ -z "${SKIP_BUILD:-}" ]; then
  echo "building Cangku..." >&2
  mvn -B -q package -DskipTests
fi

if [ "$MODE" = startup ]; then
  # Three ways to start, each round in a rotating order, each stopped again before the next: Cangku's fat jar
  # (java -jar, the settings above), the same jar extracted and started with a JDK 25 AOT cache made by one
  # training run (src/main/docker/aot-training.sh, as the container image does; README.md, Container image), and
  # Distribution. Filesystem storage, no authentication, time from launch to the first 200 from /v2/.
  # BASELINE_JAR=path/to/other.jar adds that jar both ways (baseline, baseline-aot), to compare two builds in one run.
  ROUNDS=${1:-5}
  declare -A jar_of=([cangku]=target/cangku.jar)
  contenders=(cangku cangku-aot)
  if [ -n "${BASELINE_JAR:-}" ]; then
    cp "$BASELINE_JAR" "$WORK/baseline.jar"
    jar_of[baseline]="$WORK/baseline.jar"
    contenders+=(baseline baseline-aot)
  fi
  contenders+=(distribution)
  for who in "${!jar_of[@]}"; do
    "$JAVA" -Djarmode=tools -jar "${jar_of[$who]}" extract --destination "$WORK/extracted-$who" >/dev/null
    extracted=$(ls "$WORK/extracted-$who"/*.jar)
    jar_of[$who-aot]=$extracted
    # the image's training run (a login, a push, a pull, a scrape, then SIGTERM), with this run's JVM settings
    PATH="$JAVA_HOME/bin:$PATH" JDK_JAVA_OPTIONS="$CANGKU_JAVA_OPTS" \
      bash src/main/docker/aot-training.sh "$WORK/$who.aot" "$extracted" >"$WORK/aot-training-$who.log" 2>&1
  done
  declare -A took=()
  for round in $(seq 1 "$ROUNDS"); do
    for k in $(seq 0 $(( ${#contenders[@]} - 1 ))); do
      who=${contenders[$(( (k + round) % ${#contenders[@]} ))]}
      port=$(free_port)
      started=$(now_ms)
      case $who in
        distribution)
          start_distribution_config "$port" "$WORK/distribution-start"
          env -u AWS_CA_BUNDLE docker-registry serve "$WORK/distribution-start.yml" >"$WORK/start-distribution.log" 2>&1 & ;;
        *)
          aot=()
          [ "${who%-aot}" != "$who" ] && aot=(-XX:AOTCache="$WORK/${who%-aot}.aot")
          # shellcheck disable=SC2086
          "$JAVA" $CANGKU_JAVA_OPTS "${aot[@]}" -jar "${jar_of[$who]}" --server.port="$port" --server.address=127.0.0.1 \
            --management.server.port=0 --registry.auth.mode=none --registry.storage.filesystem.root="$WORK/$who-start" \
            >"$WORK/start-$who.log" 2>&1 & ;;
      esac
      pid=$!
      wait_200 "http://127.0.0.1:$port/v2/"
      ms=$(( $(now_ms) - started ))
      stop "$pid"
      took[$who]="${took[$who]:-} $ms"
      echo "round $round: $who started in $ms ms" >&2
    done
  done
  for who in "${contenders[@]}"; do
    python3 -c 'import statistics, sys; v = [int(x) for x in sys.argv[2].split()]; print("startup,%s,%d ms (median of %s)" % (sys.argv[1], statistics.median(v), v))' \
      "$who" "${took[$who]}"
  done
  exit 0
fi

if [ "$MODE" = listing ]; then
  # Filesystem storage only (listing is where the backends' costs differ least on one machine: S3 lists
  # natively with StartAfter). Cangku answers n up to 100,000 here, so that a whole list is one request, as
  # Distribution 2.8's tag list always is.
  D_FS=$(free_port); start_distribution distribution-fs "$D_FS" "  filesystem:
    rootdirectory: $WORK/distribution-fs"
  C_FS=$(free_port); start_cangku cangku-fs "$C_FS" --registry.storage.filesystem.root="$WORK/cangku-fs" \
    --registry.listing.max-page-size=100000
  "$JAVA" -Xmx1g bench/ListingBench.java --target "distribution-fs=http://127.0.0.1:$D_FS" \
    --target "cangku-fs=http://127.0.0.1:$C_FS" "${BENCH_ARGS[@]}" --repositories "" --tags "${TAGS:-1000,5000,10000,50000}"
  # The catalog, and the catalog as a user who may pull 1 % of it (bench/catalog/r*00: 100 of 10,000), on a
  # second Cangku process with token authentication over the same storage (as a replica would be).
  PASSWORD=bench-password-1
  HASH=$(htpasswd -nbBC 10 viewer "$PASSWORD" | cut -d: -f2-)
  C_AUTH=$(free_port)
  # shellcheck disable=SC2086
  "$JAVA" $CANGKU_JAVA_OPTS -jar target/cangku.jar --server.port="$C_AUTH" --server.address=127.0.0.1 --management.server.port=0 \
    --registry.storage.filesystem.root="$WORK/cangku-fs" --registry.auth.admin.password=bench-admin-password \
    --registry.auth.users[0].name=viewer --registry.auth.users[0].password-hash="$HASH" \
    --registry.auth.rules[0].repositories='bench/catalog/r*00' --registry.auth.rules[0].users=viewer \
    --registry.auth.rules[0].actions=pull >"$WORK/cangku-auth.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$C_AUTH/v2/"
  "$JAVA" -Xmx1g bench/ListingBench.java --target "distribution-fs=http://127.0.0.1:$D_FS" \
    --target "cangku-fs=http://127.0.0.1:$C_FS" "${BENCH_ARGS[@]}" --tags "" --repositories "${REPOSITORIES:-1000,10000}" \
    --filtered "cangku-auth=http://127.0.0.1:$C_AUTH,viewer,$PASSWORD" --filtered-peer distribution-fs
  exit 0
fi

echo "fetching s3proxy..." >&2
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

# Both registries of a backend run side by side and the load generator alternates between them round
# by round, so they see the same machine (idle servers cost nothing; only one is loaded at a time).
D_FS=$(free_port); start_distribution distribution-fs "$D_FS" "  filesystem:
    rootdirectory: $WORK/distribution-fs"
C_FS=$(free_port); start_cangku cangku-fs "$C_FS" --registry.storage.filesystem.root="$WORK/cangku-fs"
"$JAVA" -Xmx6g bench/RegistryBench.java --target "distribution-fs=http://127.0.0.1:$D_FS" \
  --target "cangku-fs=http://127.0.0.1:$C_FS" "${BENCH_ARGS[@]}" | tee -a "$WORK/results.csv"
echo "distribution-fs,peak-rss,$(peak_rss "$PID_distribution_fs"),MiB," | tee -a "$WORK/results.csv"
echo "cangku-fs,peak-rss,$(peak_rss "$PID_cangku_fs"),MiB," | tee -a "$WORK/results.csv"
stop "$PID_cangku_fs"; stop "$PID_distribution_fs"

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
"$JAVA" -Xmx6g bench/RegistryBench.java --target "distribution-s3=http://127.0.0.1:$D_S3" \
  --target "cangku-s3=http://127.0.0.1:$C_S3" "${BENCH_ARGS[@]}" | tee -a "$WORK/results.csv"
echo "distribution-s3,peak-rss,$(peak_rss "$PID_distribution_s3"),MiB," | tee -a "$WORK/results.csv"
echo "cangku-s3,peak-rss,$(peak_rss "$PID_cangku_s3"),MiB," | tee -a "$WORK/results.csv"

echo
echo "| backend | figure | Distribution | Cangku | Cangku ÷ Distribution |"
echo "|---|---|---|---|---|"
for backend in fs s3; do
  for phase in push first-pull pull monolithic chunked images manifest head peak-rss; do
    d=$(awk -F, -v l="distribution-$backend" -v p=$phase '$1==l && $2==p {print $3 " " $4 ($5 == "" ? "" : ", p99 " $5 " ms")}' "$WORK/results.csv")
    c=$(awk -F, -v l="cangku-$backend" -v p=$phase '$1==l && $2==p {print $3 " " $4 ($5 == "" ? "" : ", p99 " $5 " ms")}' "$WORK/results.csv")
    [ -n "$d" ] && [ -n "$c" ] || continue
    ratio=$(awk -v c="${c%% *}" -v d="${d%% *}" 'BEGIN {printf "%.2f", c/d}')
    echo "| $backend | $phase | $d | $c | $ratio |"
  done
done

#!/usr/bin/env bash
# Push/pull throughput of Cangku beside CNCF Distribution 2.8 (Debian's docker-registry), on the same
# machine, in the same run, on both storage kinds: a local folder, and S3 (one s3proxy serving both).
# Everything listens on 127.0.0.1 and is stopped by process id at the end.
#
#   bench/run.sh [--blobs 16] [--size-mib 32] [--clients 4] [--rounds 5]      push/pull throughput (fs, S3)
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
  listing|jmh|throughput) MODE=$1; shift ;;
esac
BENCH_ARGS=("$@")
if [ "$MODE" = jmh ]; then
  # A profile of its own, so the normal build neither compiles nor downloads JMH.
  mvn -B -q -Pjmh test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath
  exec "${JAVA_HOME:?set JAVA_HOME}/bin/java" -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" \
    org.openjdk.jmh.Main 'io.cangku.bench.*' "$@"
fi
source bench/lib.sh
bench_init cangku-bench
build_cangku

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
  bench_spawn "$WORK/cangku-auth.log" "$JAVA" -jar target/cangku.jar --server.port="$C_AUTH" --server.address=127.0.0.1 \
    --registry.storage.filesystem.root="$WORK/cangku-fs" --registry.auth.admin.password=bench-admin-password \
    --registry.auth.users[0].name=viewer --registry.auth.users[0].password-hash="$HASH" \
    --registry.auth.rules[0].repositories='bench/catalog/r*00' --registry.auth.rules[0].users=viewer \
    --registry.auth.rules[0].actions=pull
  wait_http "http://127.0.0.1:$C_AUTH/v2/"
  "$JAVA" -Xmx1g bench/ListingBench.java --target "distribution-fs=http://127.0.0.1:$D_FS" \
    --target "cangku-fs=http://127.0.0.1:$C_FS" "${BENCH_ARGS[@]}" --tags "" --repositories "${REPOSITORIES:-1000,10000}" \
    --filtered "cangku-auth=http://127.0.0.1:$C_AUTH,viewer,$PASSWORD" --filtered-peer distribution-fs
  exit 0
fi

# one S3-compatible server (filesystem-backed) for both registries, a bucket each
start_s3proxy

# Both registries of a backend run side by side and the load generator alternates between them round
# by round, so they see the same machine (idle servers cost nothing; only one is loaded at a time).
D_FS=$(free_port); start_distribution distribution-fs "$D_FS" "  filesystem:
    rootdirectory: $WORK/distribution-fs"
C_FS=$(free_port); start_cangku cangku-fs "$C_FS" --registry.storage.filesystem.root="$WORK/cangku-fs"
"$JAVA" -Xmx4g bench/RegistryBench.java --target "distribution-fs=http://127.0.0.1:$D_FS" \
  --target "cangku-fs=http://127.0.0.1:$C_FS" "${BENCH_ARGS[@]}" | tee -a "$WORK/results.csv"

# Same settings for both on S3: blobs are served through the registry (Distribution's redirect is off,
# as Cangku's is by default), parts of 16 MiB.
D_S3=$(free_port); start_distribution distribution-s3 "$D_S3" "$(distribution_s3_yaml distribution)
    chunksize: 16777216
  redirect:
    disable: true"
# shellcheck disable=SC2046 # the settings are words without spaces
C_S3=$(free_port); start_cangku cangku-s3 "$C_S3" $(cangku_s3_args cangku) --registry.storage.s3.part-size=16MB
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

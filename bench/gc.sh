#!/usr/bin/env bash
# Garbage collection: Cangku's `gc` command beside CNCF Distribution 2.8's offline
# `docker-registry garbage-collect` on the same content, on a local folder and on S3 (one s3proxy for both),
# and Cangku's push latency while a collection runs against idle.
#
#   bench/gc.sh [--blobs 100000] [--manifests 10000] [--pushes 40]
#
# The content is written straight into each registry's storage layout by bench/GcSeed.java (pushing 100k
# blobs through HTTP takes longer than the collections measured); for S3 it is written into the directory
# s3proxy's filesystem provider serves the bucket from, before s3proxy starts.
# Needs: JDK 21+ (JAVA_HOME), Maven, docker-registry, python3, curl. Everything listens on 127.0.0.1 and is
# stopped by process id at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
BLOBS=100000 MANIFESTS=10000 PUSHES=40
while [ $# -gt 0 ]; do
  case "$1" in
    --blobs) BLOBS=$2; shift 2 ;;
    --manifests) MANIFESTS=$2; shift 2 ;;
    --pushes) PUSHES=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
JAVA="${JAVA_HOME:?set JAVA_HOME to a JDK 21+}/bin/java"
command -v docker-registry >/dev/null || { echo "docker-registry not installed (apt-get install docker-registry)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/cangku-gcbench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { # url
  for _ in $(seq 1 240); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.5
  done
  echo "timed out waiting for $1" >&2; return 1
}
seconds() { # command...: runs it, prints its wall time in seconds
  local start end
  start=$(date +%s.%N)
  "$@" >"$WORK/last.out" 2>"$WORK/last.err" || { echo "failed: $*" >&2; tail -20 "$WORK/last.err" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN {printf "%.1f", e-s}'
}
count_files() { find "$1" -type f | wc -l; }

if [ ! -f target/cangku.jar ]; then
  echo "building Cangku..." >&2
  mvn -B -q package -DskipTests
fi
mvn -B -q dependency:copy -Dartifact=org.gaul:s3proxy:4.1.0:jar:jar-with-dependencies -DoutputDirectory="$WORK" -Dmdep.stripVersion=true
S3PROXY_JAR="$WORK/s3proxy-jar-with-dependencies.jar"

echo "seeding $BLOBS blobs / $MANIFESTS manifests four times (filesystem and S3, each registry's layout)..." >&2
"$JAVA" -cp target/classes bench/GcSeed.java --cangku "$WORK/fs/cangku" --distribution "$WORK/fs/distribution" \
  --blobs "$BLOBS" --manifests "$MANIFESTS" | tee "$WORK/seed.txt" >&2
"$JAVA" -cp target/classes bench/GcSeed.java --cangku "$WORK/s3/cangku" --distribution "$WORK/s3/distribution" \
  --blobs "$BLOBS" --manifests "$MANIFESTS" >/dev/null

distribution_config() { # file storage-yaml
  cat > "$1" <<YAML
version: 0.1
log:
  level: error
storage:
$2
  delete:
    enabled: true
YAML
}

# ---- filesystem
C_BEFORE=$(count_files "$WORK/fs/cangku/blobs")
C_FS=$(seconds "$JAVA" -Xmx512m -jar target/cangku.jar gc --registry.auth.mode=none \
  --registry.storage.type=filesystem --registry.storage.filesystem.root="$WORK/fs/cangku")
C_AFTER=$(count_files "$WORK/fs/cangku/blobs")
distribution_config "$WORK/dist-fs.yml" "  filesystem:
    rootdirectory: $WORK/fs/distribution"
D_BEFORE=$(count_files "$WORK/fs/distribution/docker/registry/v2/blobs")
D_FS=$(seconds env -u AWS_CA_BUNDLE docker-registry garbage-collect "$WORK/dist-fs.yml")
D_AFTER=$(count_files "$WORK/fs/distribution/docker/registry/v2/blobs")

# ---- S3 (s3proxy serving the seeded directories as buckets)
S3_PORT=$(free_port)
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
S3_ARGS=(--registry.storage.type=s3 --registry.storage.s3.bucket=cangku
  --registry.storage.s3.endpoint="http://127.0.0.1:$S3_PORT" --registry.storage.s3.path-style-access=true
  --registry.storage.s3.access-key=bench --registry.storage.s3.secret-key=bench-secret --registry.storage.s3.region=us-east-1)
CS_BEFORE=$(count_files "$WORK/s3/cangku/blobs")
C_S3=$(seconds "$JAVA" -Xmx512m -jar target/cangku.jar gc --registry.auth.mode=none "${S3_ARGS[@]}")
CS_AFTER=$(count_files "$WORK/s3/cangku/blobs")
distribution_config "$WORK/dist-s3.yml" "  s3:
    region: us-east-1
    regionendpoint: http://127.0.0.1:$S3_PORT
    bucket: distribution
    accesskey: bench
    secretkey: bench-secret
    secure: false
    v4auth: true"
DS_BEFORE=$(count_files "$WORK/s3/distribution/docker/registry/v2/blobs")
D_S3=$(seconds env -u AWS_CA_BUNDLE docker-registry garbage-collect "$WORK/dist-s3.yml")
DS_AFTER=$(count_files "$WORK/s3/distribution/docker/registry/v2/blobs")

# ---- push latency on filesystem, idle and while a collection runs (it still marks and scans everything)
PORT=$(free_port)
"$JAVA" -Xmx512m -jar target/cangku.jar --server.port="$PORT" --server.address=127.0.0.1 --registry.auth.mode=none \
  --registry.storage.type=filesystem --registry.storage.filesystem.root="$WORK/fs/cangku" >"$WORK/cangku.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$PORT/v2/"
LATENCY=$(python3 - "$PORT" "$PUSHES" <<'PY'
import hashlib, http.client, json, os, statistics, sys, time
port, pushes = int(sys.argv[1]), int(sys.argv[2])
def req(method, path, body=b"", headers={}):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse(); data = r.read(); c.close()
    return r.status, r.getheader("Location"), data
def push(n):
    """One small image as skopeo pushes it: two blobs (POST, PUT ?digest=), then the manifest."""
    start = time.perf_counter()
    descs = []
    for kind in ("config", "layer"):
        blob = os.urandom(4096)
        d = "sha256:" + hashlib.sha256(blob).hexdigest()
        s, loc, _ = req("POST", "/v2/bench/latency/blobs/uploads/")
        assert s == 202, s
        s, _, body = req("PUT", loc + ("&" if "?" in loc else "?") + "digest=" + d, blob, {"Content-Type": "application/octet-stream"})
        assert s == 201, (s, body)
        descs.append({"mediaType": "application/octet-stream", "digest": d, "size": len(blob)})
    m = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": descs[0], "layers": [descs[1]]}).encode()
    s, _, body = req("PUT", "/v2/bench/latency/manifests/p%d" % n, m, {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert s == 201, (s, body)
    return time.perf_counter() - start
for n in range(5):
    push(10000 + n)  # warm-up
idle = [push(n) for n in range(pushes)]
s, _, body = req("POST", "/api/gc", b'{"dryRun": false}', {"Content-Type": "application/json"})
assert s == 202, (s, body)
run = json.loads(body)["id"]
during = []
while True:
    during.append(push(1000 + len(during)))
    s, _, body = req("GET", "/api/gc/" + run)
    if json.loads(body)["state"] != "running":
        break
print("%.1f %.1f %.2f %d" % (statistics.median(idle) * 1000, statistics.median(during) * 1000,
                              statistics.median(during) / statistics.median(idle), len(during)))
PY
)
read -r IDLE_MS DURING_MS RATIO N_DURING <<<"$LATENCY"

echo
cat "$WORK/seed.txt"
echo "backend     cangku gc s  blobs before→after   distribution gc s  blobs before→after   cangku/distribution"
printf "%-11s %11s  %8s → %-8s  %17s  %8s → %-8s  %19s\n" filesystem "$C_FS" "$C_BEFORE" "$C_AFTER" "$D_FS" "$D_BEFORE" "$D_AFTER" \
  "$(awk -v c="$C_FS" -v d="$D_FS" 'BEGIN {printf "%.2f", c/d}')"
printf "%-11s %11s  %8s → %-8s  %17s  %8s → %-8s  %19s\n" s3 "$C_S3" "$CS_BEFORE" "$CS_AFTER" "$D_S3" "$DS_BEFORE" "$DS_AFTER" \
  "$(awk -v c="$C_S3" -v d="$D_S3" 'BEGIN {printf "%.2f", c/d}')"
echo "push latency (filesystem, median of $PUSHES idle / $N_DURING during a collection): idle ${IDLE_MS} ms, during ${DURING_MS} ms, ratio ${RATIO}"

#!/usr/bin/env bash
# Garbage collection: Cangku's `gc` command beside CNCF Distribution 2.8's offline
# `docker-registry garbage-collect` on the same content, on a local folder and on S3 (one s3proxy for both),
# and Cangku's push latency while a collection runs against idle.
#
#   bench/gc.sh [--blobs 100000] [--manifests 10000] [--pushes 40]   (--pushes 0: collections only)
#
# CANGKU_JAR (default target/cangku.jar) picks the build to measure, e.g. a copy of the one before a change.
#
# The content is written straight into each registry's storage layout by bench/GcSeed.java (pushing 100k
# blobs through HTTP takes longer than the collections measured); for S3 it is written into the directory
# s3proxy's filesystem provider serves the bucket from, before s3proxy starts.
# Figures per backend: wall time of each collector's process (Cangku's includes starting its JVM and Spring,
# about 5 s, so its report's own startedAt→finishedAt is printed too) and its peak resident set (getrusage).
# Needs: JDK 21+ (JAVA_HOME), Maven, docker-registry, python3, curl. Everything listens on 127.0.0.1 and is
# stopped by process id at the end (bench/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BLOBS=100000 MANIFESTS=10000 PUSHES=40
CANGKU_JAR=${CANGKU_JAR:-target/cangku.jar}
source bench/lib.sh
bench_options blobs manifests pushes -- "$@"
bench_init cangku-gcbench

# measure LABEL COMMAND...: runs it to its end; prints "wall-seconds peak-RSS-MiB"; output in $WORK/LABEL.out
measure() {
  local label=$1; shift
  python3 - "$WORK/$label" "$@" <<'PY' || { echo "failed: $*" >&2; tail -20 "$WORK/$label.err" >&2; exit 1; }
import resource, subprocess, sys, time
out = sys.argv[1]
start = time.monotonic()
with open(out + ".out", "wb") as o, open(out + ".err", "wb") as e:
    code = subprocess.run(sys.argv[2:], stdout=o, stderr=e).returncode
wall = time.monotonic() - start
if code != 0:
    sys.exit(code)
# the largest resident set of any child waited for (one child here); Linux reports KiB
print("%.1f %.0f" % (wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))
PY
}
# cangku_collection_seconds LABEL: the collection's own time (startedAt to finishedAt of its report), without JVM start
cangku_collection_seconds() {
  python3 -c 'import json, sys, datetime as d
text = open(sys.argv[1]).read()
r = json.loads(text)["report"]  # stdout is the run record alone
t = lambda s: d.datetime.fromisoformat(s.replace("Z", "+00:00"))
print("%.1f" % (t(r["finishedAt"]) - t(r["startedAt"])).total_seconds())' "$WORK/$1.out"
}
count_files() { find "$1" -type f | wc -l; }

[ -f "$CANGKU_JAR" ] || build_cangku

echo "seeding $BLOBS blobs / $MANIFESTS manifests four times (filesystem and S3, each registry's layout)..." >&2
SEED_START=$(date +%s)
"$JAVA" -cp target/classes bench/GcSeed.java --cangku "$WORK/fs/cangku" --distribution "$WORK/fs/distribution" \
  --blobs "$BLOBS" --manifests "$MANIFESTS" | tee "$WORK/seed.txt" >&2
"$JAVA" -cp target/classes bench/GcSeed.java --cangku "$WORK/s3/cangku" --distribution "$WORK/s3/distribution" \
  --blobs "$BLOBS" --manifests "$MANIFESTS" >/dev/null
echo "seeded in $(( $(date +%s) - SEED_START )) s" >&2

# One collection of each kind per backend, a real run (not a dry run), the same heap cap for Cangku as in
# the push-latency server below. Distribution's garbage-collect is offline: no server runs meanwhile.
collect() { # backend cangku-args distribution-yaml-storage
  local backend=$1 cangku_args=$2 storage=$3 c_before d_before c d
  c_before=$(count_files "$WORK/$backend/cangku/blobs")
  # shellcheck disable=SC2086 # the settings are words without spaces
  c=$(measure "cangku-$backend" "$JAVA" -Xmx512m -jar "$CANGKU_JAR" gc --registry.auth.mode=none $cangku_args)
  distribution_config "$WORK/dist-$backend.yml" "$storage"
  d_before=$(count_files "$WORK/$backend/distribution/docker/registry/v2/blobs")
  d=$(measure "distribution-$backend" "${DISTRIBUTION[@]}" garbage-collect "$WORK/dist-$backend.yml")
  read -r c_wall c_rss <<<"$c"; read -r d_wall d_rss <<<"$d"
  printf "%-11s %6s %10s %8s  %12s → %-6s  %7s %8s  %12s → %-6s %10s\n" "$backend" "$c_wall" \
    "$(cangku_collection_seconds "cangku-$backend")" "$c_rss" "$c_before" "$(count_files "$WORK/$backend/cangku/blobs")" \
    "$d_wall" "$d_rss" "$d_before" "$(count_files "$WORK/$backend/distribution/docker/registry/v2/blobs")" \
    "$(awk -v c="$c_wall" -v d="$d_wall" 'BEGIN {printf "%.2f", c/d}')" >>"$WORK/results.txt"
}

echo "collecting on the filesystem..." >&2
collect fs "--registry.storage.type=filesystem --registry.storage.filesystem.root=$WORK/fs/cangku" "  filesystem:
    rootdirectory: $WORK/fs/distribution"

echo "collecting on S3..." >&2
start_s3proxy # serves the folders seeded under $WORK/s3 as the buckets cangku and distribution
collect s3 "$(cangku_s3_args cangku)" "$(distribution_s3_yaml distribution)"
echo "collections (backend, cangku wall s, collect s, RSS MiB, blobs before → after, distribution wall s, RSS MiB, blobs before → after, ratio):" >&2
cat "$WORK/results.txt" >&2

if [ "$PUSHES" = 0 ]; then # collections only
  cat "$WORK/seed.txt"; cat "$WORK/results.txt"; echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
# ---- push latency on filesystem, idle and while a collection runs (it still marks and scans everything)
PORT=$(free_port)
echo "push latency during a collection..." >&2
bench_spawn "$WORK/cangku-latency.log" "$JAVA" -Xmx512m -jar "$CANGKU_JAR" --server.port="$PORT" \
  --server.address=127.0.0.1 --management.server.port=0 \
  --registry.auth.mode=none --registry.storage.filesystem.root="$WORK/fs/cangku"
wait_http "http://127.0.0.1:$PORT/v2/" 300 # start-up takes a minute on a loaded machine
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
echo "            ------------- cangku gc -------------  ------- distribution garbage-collect -------"
echo "backend     wall s  collect s  RSS MiB  blobs before → after   wall s  RSS MiB  blobs before → after  wall ratio"
cat "$WORK/results.txt"
echo "push latency (filesystem, median of $PUSHES idle / $N_DURING during a collection): idle ${IDLE_MS} ms, during ${DURING_MS} ms, ratio ${RATIO}"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# Where a collection's time goes: seeds one backend as bench/gc.sh does, starts a Cangku server on it, and
# prints the storage meters (cangku_storage_operations_seconds from the management port's Prometheus
# scrape) taken before and after one real collection started with POST /api/gc, as a difference per
# operation and outcome, with the run's own time.
#
#   bench/gc-meters.sh [--backend fs|s3] [--blobs 20000] [--manifests 2000]
#
# Needs what bench/gc.sh needs. Everything listens on 127.0.0.1 and is stopped by process id at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=s3 BLOBS=20000 MANIFESTS=2000
source bench/lib.sh
bench_options backend blobs manifests -- "$@"
bench_init cangku-gcmeters
[ -f target/cangku.jar ] || build_cangku

"$JAVA" -cp target/classes bench/GcSeed.java --cangku "$WORK/$BACKEND/cangku" --distribution "$WORK/$BACKEND/distribution" \
  --blobs "$BLOBS" --manifests "$MANIFESTS" >&2
if [ "$BACKEND" = s3 ]; then
  start_s3proxy
  STORAGE=$(cangku_s3_args cangku)
else
  STORAGE="--registry.storage.type=filesystem --registry.storage.filesystem.root=$WORK/fs/cangku"
fi
PORT=$(free_port) MANAGEMENT=$(free_port)
# shellcheck disable=SC2086 # the settings are words without spaces
bench_spawn "$WORK/server.log" "$JAVA" -Xmx512m -jar target/cangku.jar --server.port="$PORT" --server.address=127.0.0.1 \
  --management.server.port="$MANAGEMENT" --registry.auth.mode=none $STORAGE
wait_http "http://127.0.0.1:$PORT/v2/" 300 # start-up takes a minute on a loaded machine
scrape() { curl -s "http://127.0.0.1:$MANAGEMENT/actuator/prometheus" | grep '^cangku_storage_operations_seconds_\(count\|sum\)' >"$WORK/$1.prom" || true; } # none yet: empty
scrape before
# the first answers after start-up may still be 503 (readiness: storage checks)
for _ in $(seq 1 60); do
  STATUS=$(curl -s -o "$WORK/started.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"dryRun": false}' "http://127.0.0.1:$PORT/api/gc")
  [ "$STATUS" = 202 ] && break
  sleep 2
done
[ "$STATUS" = 202 ] || { echo "POST /api/gc answered $STATUS: $(cat "$WORK/started.json")" >&2; exit 1; }
RUN=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/started.json")
until curl -s "http://127.0.0.1:$PORT/api/gc/$RUN" | grep -q '"state" *: *"\(succeeded\|failed\)"'; do sleep 1; done
scrape after
curl -s "http://127.0.0.1:$PORT/api/gc/$RUN" >"$WORK/run.json"
python3 - "$WORK/before.prom" "$WORK/after.prom" "$WORK/run.json" <<'PY'
import datetime as d, json, re, sys
def read(path):
    figures = {}
    for line in open(path):
        m = re.match(r'cangku_storage_operations_seconds_(count|sum)\{(.*)\} (\S+)', line)
        if m:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
            key = (labels.get("operation"), labels.get("outcome"))
            figures.setdefault(key, {})[m.group(1)] = float(m.group(3))
    return figures
before, after = read(sys.argv[1]), read(sys.argv[2])
run = json.load(open(sys.argv[3]))
t = lambda s: d.datetime.fromisoformat(s.replace("Z", "+00:00"))
print("run %s: %s in %.1f s; report %s" % (run["id"], run["state"], (t(run["finishedAt"]) - t(run["startedAt"])).total_seconds(),
      {k: run["report"][k] for k in ("blobsDeleted", "manifestsDeleted", "linksDeleted", "blobsKept")} if run.get("report") else run.get("error")))
rows = []
for key, f in after.items():
    b = before.get(key, {})
    calls, seconds = f.get("count", 0) - b.get("count", 0), f.get("sum", 0) - b.get("sum", 0)
    if calls:
        rows.append((seconds, calls, key))
for seconds, calls, (operation, outcome) in sorted(rows, reverse=True):
    print("%-20s %-8s calls %7d  seconds %7.1f  ms/call %6.2f" % (operation, outcome, calls, seconds, 1000 * seconds / calls))
PY
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

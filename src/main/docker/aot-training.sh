#!/usr/bin/env bash
# The AOT cache's training run, at image build (Dockerfile): the server starts as the image starts it, serves
# what a client's first visit asks (a login, a push, a pull, a listing, a metrics scrape), and is stopped with
# SIGTERM, as an orchestrator stops it. At exit the JVM writes the classes it loaded and linked, and the
# profiles it gathered, into the cache. A run that stopped once the application context was refreshed
# (spring.context.exit=onRefresh) never started Tomcat, the management port or any request's code: started from
# its cache, the extracted jar took a median 4.08 s to its first 200, against 3.63 s from this run's (bench/README.md,
# "AOT cache training").
#
# Only bash and its built-ins (the /dev/tcp redirection, `read -t` as a sleep): the runtime image needs no extra
# tool. Storage is throwaway, under /tmp, and removed again, so the image holds no keys or accounts.
#
# Both ports are chosen by the system (port 0) and read from the server's log, so a build on a host network
# (as ContainerImageTest's) takes no port another program uses.
#
#   aot-training.sh CACHE_FILE [JAR]     (JAR: /app/cangku.jar, the image's)
# Any further java options come from JDK_JAVA_OPTIONS, as for the server (bench/run.sh passes its heap settings).
set -euo pipefail
cache=$1
jar=${2:-/app/cangku.jar}
storage=/tmp/aot-training-$$ # created by the server
log=$storage.log
# admin:aot-training-only, the training run's own administrator
basic_credentials=YWRtaW46YW90LXRyYWluaW5nLW9ubHk=
# The OCI empty descriptor's content, {}, and its digest.
empty_digest=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a
manifest='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.cangku.aot-training","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"'$empty_digest'","size":2},"layers":[{"mediaType":"application/vnd.oci.empty.v1+json","digest":"'$empty_digest'","size":2}]}'

rm -f "$cache"
: >"$log" # before the server starts, so the first look at it never finds it missing
REGISTRY_STORAGE_FILESYSTEM_ROOT=$storage REGISTRY_AUTH_ADMIN_PASSWORD=aot-training-only \
  java -XX:AOTCacheOutput="$cache" -Xlog:aot*=error -jar "$jar" --server.address=127.0.0.1 --server.port=0 \
  --management.server.address=127.0.0.1 --management.server.port=0 >"$log" 2>&1 &
server=$!
# A failed training leaves no cache (SIGKILL: the JVM writes none at exit) and shows the server's log.
trap 'kill -KILL "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; printf "%s\n" "$(<"$log")" >&2; rm -rf "$storage" "$log"' EXIT

exec {nap}<> <(:) # a pipe nobody writes to: `read -t` on it sleeps without a `sleep` binary

# request PORT METHOD PATH BODY [HEADER...]: sets status and response (headers and body) of one request.
request() {
  local to=$1 method=$2 path=$3 body=$4 connection header
  shift 4
  exec {connection}<>"/dev/tcp/127.0.0.1/$to" || return 1
  {
    printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\nContent-Length: %d\r\n' \
      "$method" "$path" "$to" "${#body}"
    for header in "$@"; do printf '%s\r\n' "$header"; done
    printf '\r\n%s' "$body"
  } >&"$connection"
  response=
  IFS= read -r -d '' -u "$connection" response || true # to the end of the answer: the server closes the connection
  exec {connection}>&-
  status=${response#* }
  status=${status%% *}
}

# expect PORT METHOD PATH BODY STATUS [HEADER...]: the request, which must answer STATUS.
expect() {
  local wanted=$5
  request "$1" "$2" "$3" "$4" "${@:6}"
  if [ "$status" != "$wanted" ]; then
    echo "AOT training: $2 $3 answered $status, not $wanted: $response" >&2
    exit 1
  fi
}

# The registry's port is the first Tomcat reports, the management port's the second.
status=
started='Tomcat started on port ([0-9]+).*Tomcat started on port ([0-9]+)'
port=
for ((try = 0; try < 1200; try++)); do
  if [ -z "$port" ] && [[ $(<"$log") =~ $started ]]; then
    port=${BASH_REMATCH[1]} management_port=${BASH_REMATCH[2]}
  fi
  if [ -n "$port" ] && request "$port" GET /readyz '' && [ "$status" = 200 ]; then break; fi
  kill -0 "$server" 2>/dev/null || { echo "AOT training: the server exited before it was ready" >&2; exit 1; }
  read -t 0.1 -u "$nap" || true
done
[ "$status" = 200 ] || { echo "AOT training: the server was not ready within two minutes" >&2; exit 1; }

expect "$port" GET /v2/ '' 401
expect "$port" GET '/token?service=cangku&scope=repository:aot/training:pull,push' '' 200 \
  "Authorization: Basic $basic_credentials"
[[ $response =~ \"token\":\"([^\"]+)\" ]] || { echo "AOT training: no token in $response" >&2; exit 1; }
bearer="Authorization: Bearer ${BASH_REMATCH[1]}"
expect "$port" GET /v2/ '' 200 "$bearer"
expect "$port" HEAD "/v2/aot/training/blobs/$empty_digest" '' 404 "$bearer"
expect "$port" POST /v2/aot/training/blobs/uploads/ '' 202 "$bearer"
location='[Ll]ocation: ([^'$'\r'']+)'
[[ $response =~ $location ]] || { echo "AOT training: no Location in $response" >&2; exit 1; }
upload=${BASH_REMATCH[1]}
[[ $upload == *\?* ]] && upload="$upload&" || upload="$upload?"
expect "$port" PUT "${upload}digest=$empty_digest" '{}' 201 "$bearer" 'Content-Type: application/octet-stream'
expect "$port" PUT /v2/aot/training/manifests/latest "$manifest" 201 "$bearer" \
  'Content-Type: application/vnd.oci.image.manifest.v1+json'
for _ in 1 2 3; do
  expect "$port" HEAD "/v2/aot/training/blobs/$empty_digest" '' 200 "$bearer"
  expect "$port" GET /v2/aot/training/manifests/latest '' 200 "$bearer" \
    'Accept: application/vnd.oci.image.manifest.v1+json'
  expect "$port" GET "/v2/aot/training/blobs/$empty_digest" '' 200 "$bearer"
  expect "$port" GET /v2/aot/training/tags/list '' 200 "$bearer"
done
expect "$management_port" GET /actuator/prometheus '' 200

kill -TERM "$server"
trap - EXIT
wait "$server" || true # 143: ended by SIGTERM, as asked
printf '%s\n' "$(<"$log")"
rm -rf "$storage" "$log"
test -s "$cache" || { echo "AOT training: no AOT cache was written to $cache" >&2; exit 1; }

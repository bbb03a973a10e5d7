#!/usr/bin/env bash
# The machine's ceiling for small HTTP requests, and eddy measured against it with the same
# load generator.
#
#   bench/ceiling.sh [seconds per phase, default 8]
#
# wrk (Debian's package; 2 threads, 16 connections, one request in flight on each, no
# pipelining) drives, one after another:
#   nginx     Debian's nginx answering every POST with a constant 70-byte JSON body (shaped
#             like a GetItem answer): no parsing, no storage. No HTTP server answers these clients faster on this machine, so it
#             is the ceiling for any rate target measured with 16 clients here.
#   limits    eddy, DescribeLimits: eddy's HTTP, routing and JSON, no table work.
#   put       eddy, durable PutItem (acknowledged after fdatasync): 100 partition keys, a number
#             and a 200-byte string attribute, as `eddy bench dynamodb` writes.
#   get       eddy, GetItem of those 100 items.
# For each: requests/s, wrk's latency percentiles and the server's CPU time per request (user +
# system of all its processes and threads, from /proc). wrk signs nothing: the figures are the
# server's, with a load generator that costs little. nginx and wrk are installed with
# scripts/install-deps.sh --ceiling when missing. Everything started is stopped on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
eddy=${EDDY:-$root/build/release/src/eddy/cli/eddy}
seconds=${1:-8}
[ -x "$eddy" ] || { echo "ceiling.sh: build eddy first (make build)" >&2; exit 2; }
if ! command -v wrk >/dev/null || ! [ -x /usr/sbin/nginx ]; then
  "$root/scripts/install-deps.sh" --ceiling >&2
fi

# shellcheck source=bench/script_lib.sh
source "$root/bench/script_lib.sh"
bench_scratch ceiling

free_port() {  # a port nothing listens on (bash only: no python or ss needed)
  local port
  while true; do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
}
cpu_ticks() {  # pid... -> user+system clock ticks of every thread of these processes
  local total=0 pid stat fields
  for pid in "$@"; do
    for stat in /proc/"$pid"/task/*/stat; do
      fields=$(sed 's/.*) //' "$stat" 2>/dev/null) || continue
      # shellcheck disable=SC2086
      set -- $fields
      total=$((total + ${12} + ${13}))
    done
  done
  echo "$total"
}
# One DynamoDB call with bash's /dev/tcp, for the setup (no SDK needed); prints the status line.
dynamodb_call() {  # port target body
  local port=$1 target=$2 body=$3
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: DynamoDB_20120810.%s\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$target" "${#body}" "$body" >&3
  head -n 1 <&3
  exec 3<&-
}

cat >"$work/put.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.PutItem"
local payload = string.rep("x", 200)
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"TableName":"ceiling","Item":{"pk":{"S":"user#' ..
    string.format("%04d", n % 100) .. '"},"version":{"N":"' .. n ..
    '"},"payload":{"S":"' .. payload .. '"}}}')
end
EOF
cat >"$work/get.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.GetItem"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"TableName":"ceiling","Key":{"pk":{"S":"user#' ..
    string.format("%04d", (n * 37) % 100) .. '"}}}')
end
EOF
cat >"$work/limits.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.DescribeLimits"
wrk.body = "{}"
EOF

# phase name lua port pid... : one wrk run, one line of figures
phase() {
  local name=$1 lua=$2 port=$3
  shift 3
  local before after out
  before=$(cpu_ticks "$@")
  out=$(wrk -t2 -c16 -d"${seconds}s" --latency -s "$lua" "http://127.0.0.1:$port/")
  after=$(cpu_ticks "$@")
  if echo "$out" | grep -q "Non-2xx"; then
    echo "ceiling.sh: $name: some answers were errors:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk -v name="$name" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    /requests in/ { requests = $1 }
    /Requests\/sec/ { rate = $2 }
    END { printf "  %-8s %10.0f %10s %10s %14.1f\n", name, rate, p50, p99,
                  ticks * 1e6 / hz / requests }' <<<"$out"
}

echo "bench/ceiling.sh: wrk -t2 -c16, ${seconds} s per phase, $(nproc) CPUs"
printf "  %-8s %10s %10s %10s %14s\n" phase "requests/s" p50 p99 "server µs/req"

nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<EOF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      default_type application/x-amz-json-1.0;
      return 200 '{"Item":{"pk":{"S":"user#0001"},"version":{"N":"1"},"note":{"S":"x"}}}';
    }
  }
}
EOF
/usr/sbin/nginx -c "$work/nginx.conf" -e "$work/nginx/error.log"
wait_for_port "$nginx_port" || { echo "ceiling.sh: nginx did not start" >&2; exit 1; }
nginx_master=$(cat "$work/nginx.pid")
pids+=("$nginx_master")  # it runs detached: stopped on exit by its pid
mapfile -t nginx_pids < <(pgrep -P "$nginx_master"; echo "$nginx_master")
phase nginx "$work/limits.lua" "$nginx_port" "${nginx_pids[@]}"
kill "$nginx_master"
pids=()

eddy_port=$(free_port)
"$eddy" serve --port "$eddy_port" --data-dir "$work/eddy-data" >"$work/eddy.log" 2>&1 &
eddy_pid=$!
pids+=("$eddy_pid")
wait_for_port "$eddy_port" "$eddy_pid" || { echo "ceiling.sh: eddy serve did not start" >&2; exit 1; }
status=$(dynamodb_call "$eddy_port" CreateTable \
  '{"TableName":"ceiling","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}')
case "$status" in *" 200 "*) ;; *) echo "ceiling.sh: CreateTable answered: $status" >&2; exit 1 ;; esac
phase limits "$work/limits.lua" "$eddy_port" "$eddy_pid"
phase put "$work/put.lua" "$eddy_port" "$eddy_pid"
phase get "$work/get.lua" "$eddy_port" "$eddy_pid"

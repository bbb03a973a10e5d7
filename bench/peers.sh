#!/usr/bin/env bash
# Runs one `eddy bench kinesis` workload against eddy and the Kinesis emulators a team would
# otherwise pick — the moto server, kinesalite and kinesis-local (kinesis-mock) — one after
# another, and prints one table with each one's figures and eddy's ratio to it. With
# `dynamodb` first, runs `eddy bench dynamodb` against eddy, the moto server and dynalite.
#
#   bench/peers.sh [eddy bench kinesis options...]     e.g. bench/peers.sh --seconds 10
#   bench/peers.sh dynamodb [eddy bench dynamodb options...]   e.g. ... dynamodb --seconds 5
#
# Defaults to the issue's workload: 1 stream x 4 shards, 1 KiB records, PutRecords of 500, 4
# producers, 2 consumers, 10 s. eddy runs with durable acknowledgements (fdatasync); the peers
# keep everything in memory. kinesalite and kinesis-local are installed from the npm registry
# into a temporary folder (Node.js via scripts/install-deps.sh --peers when missing); moto is
# used when `python3 -m moto.server` works (it has no Debian package). Everything started is
# stopped, and the temporary folder removed, on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
eddy=${EDDY:-$root/build/release/src/eddy/cli/eddy}
service=kinesis
if [ "${1:-}" = dynamodb ] || [ "${1:-}" = kinesis ]; then
  service=$1
  shift
fi
if [ "$service" = dynamodb ]; then
  peers=${PEERS:-"eddy moto dynalite"}
else
  peers=${PEERS:-"eddy moto kinesalite kinesis-local"}
fi
args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  if [ "$service" = dynamodb ]; then args=(--seconds 5); else args=(--seconds 10); fi
fi

[ -x "$eddy" ] || { echo "peers.sh: build eddy first (make build)" >&2; exit 2; }
# shellcheck source=bench/script_lib.sh
source "$root/bench/script_lib.sh"
bench_scratch peers

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
need_node() {
  if ! { command -v node && command -v npm; } >/dev/null 2>&1; then
    "$root/scripts/install-deps.sh" --peers >&2
  fi
  local wanted=(kinesalite kinesis-local)
  [ "$service" = dynamodb ] && wanted=(dynalite)
  if [ ! -d "$work/npm/node_modules/${wanted[0]}" ]; then
    echo "peers.sh: installing ${wanted[*]} from npm into $work/npm" >&2
    mkdir -p "$work/npm"
    (cd "$work/npm" && npm install --silent --no-audit --no-fund "${wanted[@]}" >&2)
  fi
}

results="$work/results.jsonl"
: >"$results"

run_bench() {  # name endpoint pid
  local name=$1 endpoint=$2 pid=$3 out
  echo "peers.sh: $name at $endpoint" >&2
  set +e
  out=$("$eddy" bench "$service" --endpoint "$endpoint" --server-pid "$pid" "${args[@]}" --json)
  local rc=$?
  set -e
  if [ -z "$out" ]; then
    out='{"error":"the benchmark did not run (exit '"$rc"')"}'
  fi
  python3 -c 'import json,sys; d=json.loads(sys.argv[2]); d["peer"]=sys.argv[1]; print(json.dumps(d))' \
    "$name" "$out" >>"$results"
}

# Starts a server (its command must exec the server itself, so that its pid is the server's:
# the benchmark reports that process's memory), runs the benchmark, stops it.
start_and_run() {  # name port command...
  local name=$1 port=$2
  shift 2
  "$@" >"$work/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  if ! wait_for_port "$port" "$pid"; then
    echo "peers.sh: $name did not start; its log:" >&2
    tail -5 "$work/$name.log" >&2
    echo '{"peer":"'"$name"'","error":"did not start"}' >>"$results"
    return 0
  fi
  run_bench "$name" "http://127.0.0.1:$port" "$pid"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

for peer in $peers; do
  port=$(free_port)
  case "$peer" in
    eddy)
      start_and_run eddy "$port" "$eddy" serve --host 127.0.0.1 --port "$port" \
        --data-dir "$work/eddy-data"
      ;;
    moto)
      if python3 -c 'import moto.server' 2>/dev/null; then
        start_and_run moto "$port" python3 -m moto.server -H 127.0.0.1 -p "$port"
      else
        echo '{"peer":"moto","error":"not installed (python3 -m moto.server)"}' >>"$results"
      fi
      ;;
    kinesalite)
      need_node
      start_and_run kinesalite "$port" node -e \
        "require('$work/npm/node_modules/kinesalite')({createStreamMs: 50, deleteStreamMs: 50, updateStreamMs: 50}).listen($port, '127.0.0.1')"
      ;;
    dynalite)
      need_node
      start_and_run dynalite "$port" node -e \
        "require('$work/npm/node_modules/dynalite')({createTableMs: 50, deleteTableMs: 50, updateTableMs: 50}).listen($port, '127.0.0.1')"
      ;;
    kinesis-local)
      need_node
      tls_port=$(free_port)
      # kinesis-mock reads server.json from its working directory. It binds every interface:
      # it runs only for the length of its benchmark.
      start_and_run kinesis-local "$port" env KINESIS_MOCK_PLAIN_PORT="$port" \
        KINESIS_MOCK_TLS_PORT="$tls_port" CREATE_STREAM_DURATION=50ms \
        DELETE_STREAM_DURATION=50ms UPDATE_STREAM_DURATION=50ms \
        sh -c 'cd "$0" && exec node main.js' "$work/npm/node_modules/kinesis-local"
      ;;
    *) echo "peers.sh: unknown peer '$peer'" >&2 ;;
  esac
done

if [ "$service" = dynamodb ]; then
python3 - "$results" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
def phases(r):
    return {p["phase"]: p for p in r.get("phases", [])}
eddy = next((phases(r) for r in rows if r.get("peer") == "eddy" and r.get("phases")), {})
print()
w = "{:<10}{:<8}{:>12}{:>11}{:>11}{:>8}{:>10}"
print(w.format("server", "phase", "ops/s", "p50", "p99", "errors", "eddy ×"))
for r in rows:
    if not r.get("phases"):
        print("{:<10}{}".format(r["peer"], r.get("error", "no result")))
        continue
    for name, p in phases(r).items():
        ratio = "-"
        if name in eddy and p["ops_per_s"] > 0:
            ratio = "{:.1f}×".format(eddy[name]["ops_per_s"] / p["ops_per_s"])
        print(w.format(r["peer"], name, "{:,.0f}".format(p["ops_per_s"]),
                       "{:.2f} ms".format(p["p50_ms"]), "{:.2f} ms".format(p["p99_ms"]),
                       p["errors"], ratio))
        if p.get("first_error"):
            print("{:<18}error: {}".format("", p["first_error"][:150]))
EOF
exit 0
fi

python3 - "$results" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
eddy = next((r for r in rows if r.get("peer") == "eddy" and "records_in_per_s" in r), None)
def f(v, fmt="{:,.0f}"):
    return "-" if v is None else fmt.format(v)
print()
w = "{:<14}{:>12}{:>12}{:>10}{:>10}{:>12}{:>10}{:>14}{:>10}"
print(w.format("server", "in rec/s", "out rec/s", "put p50", "put p99", "put>get p50",
               "RSS MB", "lost/dup/corr", "eddy ×in"))
for r in rows:
    if "records_in_per_s" not in r:
        print("{:<14}{}".format(r["peer"], r.get("error", "no result")))
        continue
    ratio = None
    if eddy and r["records_in_per_s"] > 0:
        ratio = eddy["records_in_per_s"] / r["records_in_per_s"]
    rss = r.get("server_peak_rss_bytes") or None
    print(w.format(r["peer"], f(r["records_in_per_s"]), f(r["records_out_per_s"]),
                   f(r["put_latency"]["p50_ms"], "{:.1f} ms"), f(r["put_latency"]["p99_ms"], "{:.1f} ms"),
                   f(r["put_to_get"]["p50_ms"], "{:.1f} ms"),
                   f(rss / 1e6 if rss else None, "{:.0f}"),
                   "{}/{}/{}".format(r["lost"], r["duplicated"], r["corrupt"]),
                   f(ratio, "{:.1f}×")))
    if r.get("error"):
        print("{:<14}  error: {}".format("", r["error"]))
EOF

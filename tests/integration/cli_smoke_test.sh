#!/usr/bin/env bash
# Runs `eddy bench log` briefly, keeps its data, checks it with `eddy log verify`, then damages a
# record in the middle of a segment and expects `eddy log verify` to fail naming the file.
# Usage: cli_smoke_test.sh PATH_TO_EDDY
set -euo pipefail
eddy=$1
dir=$(mktemp -d /tmp/eddy-cli-test-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$eddy" --help | grep -q "bench" || fail "--help does not list bench"
"$eddy" --version | grep -q "^eddy " || fail "--version"
if "$eddy" bench log --shards 0 >/dev/null 2>&1; then fail "--shards 0 was accepted"; fi
if "$eddy" no-such-command >/dev/null 2>&1; then fail "an unknown subcommand was accepted"; fi

json=$("$eddy" bench log --shards 2 --seconds 1 --keep --dir "$dir/data" --json)
echo "$json"
echo "$json" | grep -q '"failed_appends":0' || fail "appends failed"
records=$(echo "$json" | sed -E 's/.*"records":([0-9]+).*/\1/')
[ "$records" -gt 0 ] || fail "no records appended"

out=$("$eddy" log verify "$dir/data/shard-0" "$dir/data/shard-1")
echo "$out"
[ "$(echo "$out" | grep -c ': ok:')" = 2 ] || fail "verify did not report both shards ok"

# Damage one byte in the middle of the first segment of shard 0, past its first records.
segment="$dir/data/shard-0/00000000000000000000.log"
size=$(stat -c %s "$segment")
[ "$size" -gt 100000 ] || fail "segment unexpectedly small ($size bytes)"
printf '\xff' | dd of="$segment" bs=1 seek=$((size / 2)) conv=notrunc status=none
if err=$("$eddy" log verify "$dir/data/shard-0" 2>&1); then fail "verify accepted a damaged log"; fi
echo "$err"
echo "$err" | grep -q "Corruption" || fail "verify did not report corruption"
echo "$err" | grep -q "00000000000000000000.log" || fail "verify did not name the segment"
# eddy bench kinesis: its own server, producers and consumers across a split and a merge;
# every acknowledged record must be read back exactly once and intact.
json=$("$eddy" bench kinesis --seconds 3 --shards 2 --producers 2 --consumers 2 --batch 50 \
  --rate 5000 --reshard --data-dir "$dir/bench-kinesis" --json) || fail "bench kinesis failed: $json"
echo "$json"
echo "$json" | grep -q '"clean":true' || fail "bench kinesis lost or corrupted records"
for field in lost duplicated reordered corrupt; do
  echo "$json" | grep -q "\"$field\":0," || fail "bench kinesis: $field is not 0"
done
echo "$json" | grep -q '"splits":1,"merges":1' || fail "bench kinesis did not split and merge"
in=$(echo "$json" | sed -E 's/.*"records_in":([0-9]+).*/\1/')
[ "$in" -gt 0 ] || fail "bench kinesis acknowledged nothing"
[ ! -e "$dir/bench-kinesis" ] || fail "bench kinesis left its server's data behind"
# eddy bench dynamodb: its own server, the event-loop driver, and the floor phase's responder.
json=$("$eddy" bench dynamodb --seconds 1 --clients 4 --phases put,get,floor \
  --data-dir "$dir/bench-dynamodb" --json) || fail "bench dynamodb failed: $json"
echo "$json"
echo "$json" | grep -q '"driver":"events' || fail "bench dynamodb did not use the events driver"
[ "$(echo "$json" | grep -o '"errors":0,' | wc -l)" = 3 ] || fail "bench dynamodb had errors"
for phase in put get floor; do
  ops=$(echo "$json" | sed -E "s/.*\"phase\":\"$phase\",\"operations\":([0-9]+).*/\1/")
  [ "$ops" -gt 0 ] || fail "bench dynamodb: no $phase operations"
done
[ ! -e "$dir/bench-dynamodb" ] || fail "bench dynamodb left its server's data behind"
echo "PASS"

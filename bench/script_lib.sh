# Shared by the bench scripts (peers.sh, ceiling.sh); sourced, not run.

# Makes a scratch folder, $work (/tmp/eddy-NAME.XXXXXX), and an empty list $pids of the
# processes the script starts; on exit every pid in $pids is killed and waited for, and $work
# removed. An interrupt or termination ends the script (after the command running then).
bench_scratch() {  # name
  work=$(mktemp -d "/tmp/eddy-$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
bench_cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true  # fails, harmlessly, for one not started by this shell
  done
  rm -rf "$work"
}

# Waits up to 30 s for a TCP listener on 127.0.0.1:PORT; fails sooner if process PID (when
# given) has ended.
wait_for_port() {  # port [pid]
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    if [ -n "${2:-}" ]; then kill -0 "$2" 2>/dev/null || return 1; fi
    sleep 0.1
  done
  return 1
}

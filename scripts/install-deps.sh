#!/usr/bin/env bash
# Installs everything eddy needs to build, test and benchmark, from Debian's packages only.
#   scripts/install-deps.sh          build dependencies (compiler, CMake, libraries)
#   scripts/install-deps.sh --test   also what the test suites need (GoogleTest, pytest, boto3, aws CLI,
#                                    and a JDK 17 and Maven for the KCL tests if java/mvn are missing;
#                                    python3-venv, and Node.js and npm if missing, for multilang)
#   scripts/install-deps.sh --fuzz   also clang and libFuzzer (for `make fuzz`)
#   scripts/install-deps.sh --peers  also Node.js and npm (bench/peers.sh installs the peers)
#   scripts/install-deps.sh --ceiling  also nginx and wrk (bench/ceiling.sh)
# Safe to run again: apt-get skips what is already installed.
set -euo pipefail

want_test=0
want_fuzz=0
want_peers=0
want_ceiling=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --fuzz) want_fuzz=1 ;;
    --peers) want_peers=1 ;;
    --ceiling) want_ceiling=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install-deps: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential g++ cmake ninja-build make pkg-config git
  libboost-dev libsimdjson-dev rapidjson-dev librocksdb-dev libssl-dev
  libcli11-dev libspdlog-dev libfmt-dev
  libgoogle-perftools-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
if [ "$want_test" = 1 ]; then
  # python3-venv: tests/compat/multilang/setup.sh makes a venv for amazon_kclpy (Debian's python3
  # has no ensurepip without it).
  packages+=(python3 python3-venv python3-pytest python3-boto3 awscli procps openssl)
fi
if [ "$want_ceiling" = 1 ]; then
  packages+=(nginx-light wrk procps)
fi
if [ "$want_fuzz" = 1 ]; then
  packages+=(clang libclang-rt-14-dev)
fi
# Java and Maven (tests/compat/test_kcl.py) only when the commands are missing: a machine may
# have its own JDK or Maven, which Debian's packages would shadow or duplicate.
if [ "$want_test" = 1 ] && ! command -v java >/dev/null 2>&1; then
  packages+=(openjdk-17-jdk-headless)
fi
if [ "$want_test" = 1 ] && ! command -v mvn >/dev/null 2>&1; then
  packages+=(maven)
fi
# Node.js only when the commands are missing: a machine may have its own Node.js build (with npm
# bundled), which Debian's npm package would conflict with.
# --test needs them too: tests/compat/multilang/setup.sh npm-installs aws-kcl, and a test runs a
# Node.js record processor under eddy worker.
if [ "$want_peers" = 1 ] || [ "$want_test" = 1 ]; then
  if ! { command -v node && command -v npm; } >/dev/null 2>&1; then
    packages+=(nodejs npm)
  fi
fi

sudo_cmd=()
if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

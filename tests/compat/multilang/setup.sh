#!/usr/bin/env bash
# Prepares the record processors written for KCL's MultiLangDaemon that the end-to-end test of
# `eddy worker` (tests/compat/test_worker_multilang.py, which runs this once per session into
# $EDDY_COMPAT_CACHE/multilang, default ~/.cache/eddy-compat/multilang) runs unchanged. Needs
# python3 with venv (Debian: python3-venv), node and npm: scripts/install-deps.sh --test.
#
#   tests/compat/multilang/setup.sh DIR
#
# Into DIR (created if needed; run again, it reuses what is there):
#   DIR/venv/                  a Python virtual environment with amazon_kclpy (PyPI)
#   DIR/amazon_kclpy-<v>/      amazon_kclpy's source distribution, with its samples/
#   DIR/node/node_modules/     aws-kcl 2.x (npm)
# and prints where everything is, as `export` lines for eval "$(setup.sh DIR)":
#   EDDY_KCLPY_PYTHON             the venv's python (runs the sample: amazon_kclpy on its path)
#   EDDY_KCLPY_SAMPLE_APP         amazon_kclpy's samples/sample_kclpy_app.py
#   EDDY_KCLPY_SAMPLE_PROPERTIES  amazon_kclpy's samples/sample.properties
#   EDDY_AWS_KCL_NODE_PATH        NODE_PATH under which require('aws-kcl') works
#
# amazon_kclpy is not pip-installed: its setup.py downloads the ~86 KCL jars from Maven Central
# while it builds its wheel, and fails the install when any is missing (KCL 3.5.3's were not
# there when this was written). A record processor needs none of them: amazon_kclpy/*.py uses the
# standard library only. So the source distribution is fetched with pip (no build) and the
# package copied into the venv's site-packages.
#
# aws-kcl's npm package holds lib/ and bin/ only: its samples (samples/basic_sample/consumer/
# sample_kcl_app.js) are in its source repository, not in the package.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
KCLPY_VERSION="${KCLPY_VERSION:-3.2.0}"
AWS_KCL_VERSION="${AWS_KCL_VERSION:-2.3.2}"
dir="$(realpath -m "$1")"
mkdir -p "$dir"

log() { echo "setup.sh: $*" >&2; }

# --- amazon_kclpy ---
if [[ ! -x "$dir/venv/bin/python" ]]; then
  log "creating $dir/venv"
  python3 -m venv "$dir/venv"
fi
python="$dir/venv/bin/python"
src="$dir/amazon_kclpy-$KCLPY_VERSION"
if [[ ! -d "$src/amazon_kclpy" ]]; then
  log "fetching amazon_kclpy $KCLPY_VERSION's source distribution"
  "$python" -m pip download --quiet --no-deps --no-binary :all: \
    "amazon_kclpy==$KCLPY_VERSION" -d "$dir/download" >&2
  tar -xzf "$dir/download/amazon_kclpy-$KCLPY_VERSION.tar.gz" -C "$dir"
fi
site="$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
if [[ ! -f "$site/amazon_kclpy/kcl.py" ]]; then
  log "copying amazon_kclpy into $site (without the KCL jars)"
  rm -rf "$site/amazon_kclpy"
  cp -r "$src/amazon_kclpy" "$site/amazon_kclpy"
fi
"$python" -c 'import amazon_kclpy.kcl, amazon_kclpy.v3.processor' >&2

# --- aws-kcl ---
if [[ ! -f "$dir/node/node_modules/aws-kcl/package.json" ]]; then
  log "installing aws-kcl $AWS_KCL_VERSION"
  mkdir -p "$dir/node"
  npm install --silent --no-audit --no-fund --prefix "$dir/node" "aws-kcl@$AWS_KCL_VERSION" >&2
fi
NODE_PATH="$dir/node/node_modules" node -e 'require("aws-kcl")' >&2

printf 'export %s=%q\n' \
  EDDY_KCLPY_PYTHON "$python" \
  EDDY_KCLPY_SAMPLE_APP "$src/samples/sample_kclpy_app.py" \
  EDDY_KCLPY_SAMPLE_PROPERTIES "$src/samples/sample.properties" \
  EDDY_AWS_KCL_NODE_PATH "$dir/node/node_modules"

#!/usr/bin/env bash
# Prepares a Python in which AWS's own runtime interface client for Python (awslambdaric) runs,
# for the tests that run Lambda functions written for AWS under eddy's function host
# (tests/unit/function/function_host_ric_test.cc, skipped unless EDDY_LAMBDA_PYTHON is set).
# Needs python3 with venv (Debian: python3-venv; scripts/install-deps.sh --test) and PyPI.
#
#   tests/compat/lambda/setup.sh DIR
#
# Into DIR (created if needed; run again, it reuses what is there):
#   DIR/venv/       a Python virtual environment with awslambdaric, aws-lambda-powertools and boto3
#   DIR/java/lib/   when mvn is installed: AWS's Java runtime interface client
#                   (com.amazonaws:aws-lambda-java-runtime-interface-client) and the two jars it
#                   needs, from Maven Central, for a java17/java21 function's lib/ folder
# and prints, for eval "$(tests/compat/lambda/setup.sh DIR)":
#   export EDDY_LAMBDA_PYTHON=DIR/venv/bin/python
#   export EDDY_LAMBDA_JAVA_LIB=DIR/java/lib      (only with mvn)
#
# awslambdaric ships manylinux wheels (a C++ extension with aws-lambda-cpp and libcurl inside);
# where pip finds none for this Python it builds from source, which needs g++, make, cmake,
# unzip and libcurl4-openssl-dev.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir="$(realpath -m "$1")"
mkdir -p "$dir"

log() { echo "setup.sh: $*" >&2; }

python="$dir/venv/bin/python"
if [[ ! -x "$python" ]]; then
  log "creating $dir/venv"
  python3 -m venv "$dir/venv"
fi
if ! "$python" -c 'import awslambdaric, aws_lambda_powertools, boto3' 2>/dev/null; then
  log "installing awslambdaric, aws-lambda-powertools and boto3 into $dir/venv"
  "$python" -m pip install --quiet --disable-pip-version-check \
    awslambdaric aws-lambda-powertools boto3 >&2
fi
"$python" -c 'import awslambdaric, aws_lambda_powertools, boto3' >&2
log "awslambdaric $("$python" -c 'import importlib.metadata as m; print(m.version("awslambdaric"))')"
echo "export EDDY_LAMBDA_PYTHON=$python"

# --- Java runtime interface client (optional) ---
JAVA_RIC_VERSION="${JAVA_RIC_VERSION:-2.6.0}"
java_lib="$dir/java/lib"
if command -v mvn >/dev/null 2>&1; then
  if ! ls "$java_lib"/aws-lambda-java-runtime-interface-client-*.jar >/dev/null 2>&1; then
    log "fetching the Java runtime interface client $JAVA_RIC_VERSION into $java_lib"
    mkdir -p "$java_lib"
    # The client's own dependencies (its pom's compile scope): core and serialization.
    for artifact in "com.amazonaws:aws-lambda-java-runtime-interface-client:$JAVA_RIC_VERSION" \
                    com.amazonaws:aws-lambda-java-core:1.2.3 \
                    com.amazonaws:aws-lambda-java-serialization:1.1.2; do
      mvn -q -B dependency:copy -Dartifact="$artifact" -DoutputDirectory="$java_lib" >&2
    done
  fi
  echo "export EDDY_LAMBDA_JAVA_LIB=$java_lib"
else
  log "mvn not found: no Java runtime interface client (EDDY_LAMBDA_JAVA_LIB not set)"
fi

#!/bin/sh
# The install and build steps of the Dockerfile, as commands that also run outside a container: the Dockerfile
# runs them, and tests/deploy/test_runtime_install.py runs the same ones on this machine (no container engine).
#
#   deploy/image.sh wheels SRC WHEELS        the project and its runtime dependencies as wheels (no torch)
#   deploy/image.sh build-tools SRC VENV     a venv with torch (CPU build) and the build extra, to build the index
#   deploy/image.sh index VENV               kb check + index build + ONNX export, with CABLEWISE_* from the env
#   deploy/image.sh runtime WHEELS VENV      the server, from those wheels only: no network, no compiler, no torch
set -eu

PYTHON=${PYTHON:-python3}
# The extras the runtime image carries: shared rate limits in Redis, feedback and the question log in PostgreSQL.
RUNTIME_EXTRAS=${RUNTIME_EXTRAS:-redis,postgres}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}

step=${1:?usage: deploy/image.sh wheels|build-tools|index|runtime ...}
shift
case "$step" in
wheels)
    src=$1 wheels=$2
    "$PYTHON" -m pip wheel --quiet --wheel-dir "$wheels" "$src[$RUNTIME_EXTRAS]"
    ;;
build-tools)
    src=$1 venv=$2
    "$PYTHON" -m venv "$venv"
    # torch first, pinned, from TORCH_INDEX_URL when set (the CPU wheels): an open install pulls GBs of CUDA.
    if [ -n "${TORCH_INDEX_URL:-}" ]; then
        "$venv/bin/pip" install --quiet --index-url "$TORCH_INDEX_URL" "torch==$TORCH_VERSION"
    else
        "$venv/bin/pip" install --quiet "torch==$TORCH_VERSION"
    fi
    "$venv/bin/pip" install --quiet "$src[build]"
    ;;
index)
    venv=$1
    export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
    # As a module from the source folder (the build stage's /src), so it is the code being shipped.
    "$venv/bin/python" -m service.cli kb check
    "$venv/bin/python" -m service.cli index build --quiet
    ;;
runtime)
    wheels=$1 venv=$2
    "$PYTHON" -m venv "$venv"
    "$venv/bin/pip" install --quiet --no-index --find-links "$wheels" "cablewise[$RUNTIME_EXTRAS]"
    ;;
*)
    echo "deploy/image.sh: unknown step '$step'" >&2
    exit 2
    ;;
esac

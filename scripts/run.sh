#!/usr/bin/env bash
# Installs what is missing, builds Release, and runs a standalone Canopy
# server on 127.0.0.1:2181 with its data in ./data/standalone. Foreground:
# Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCANOPY_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j "${CANOPY_JOBS:-2}" --target canopy-server canopy
mkdir -p data/standalone
echo "CLI: $(pwd)/build/release/client/canopy"
exec ./build/release/server/canopy-server --config conf/standalone.cfg "$@"

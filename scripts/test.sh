#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs every test suite CI
# runs (ctest: unit and integration), printing failures in full.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
build_dir="${CANOPY_BUILD_DIR:-build/test}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  ${CANOPY_SANITIZE:+-DCANOPY_SANITIZE=$CANOPY_SANITIZE} >/dev/null
cmake --build "$build_dir" -j "${CANOPY_JOBS:-2}"
cd "$build_dir"
ctest --output-on-failure --timeout 300 -j "${CANOPY_TEST_JOBS:-2}"

#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs every test suite CI
# runs (ctest: unit and integration; then the 30-second fuzz runs),
# printing failures in full.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
build_dir="${CANOPY_BUILD_DIR:-build/test}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  ${CANOPY_SANITIZE:+-DCANOPY_SANITIZE=$CANOPY_SANITIZE} >/dev/null
cmake --build "$build_dir" -j "${CANOPY_JOBS:-2}"
cd "$build_dir"
ctest --output-on-failure --timeout 300 -j "${CANOPY_TEST_JOBS:-2}"

# Fuzzing (tests/fuzz): a clang build of only what the fuzz targets need,
# then each target for 30 s on its seed corpus, two at a time; a crash fails
# the run. CANOPY_FUZZ_TIME=0 skips it.
cd "$OLDPWD"
if [ "${CANOPY_FUZZ_TIME:-30}" -gt 0 ]; then
  ./scripts/fuzz.sh --time "${CANOPY_FUZZ_TIME:-30}" --jobs 2 \
    --build-jobs "${CANOPY_JOBS:-2}"
fi

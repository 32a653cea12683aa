#!/usr/bin/env bash
# Issue 8's load scenarios at full size, with figures printed as key: value.
#   scripts/load.sh [canopy-load options...]
# e.g. scripts/load.sh --scenario storm --storm-sessions 2000
# Builds canopy-load in Release (build/load-release, or $LOAD_BUILD_DIR) if
# needed. Each scenario starts its own 3-member ensemble on free loopback
# ports and stops it (SIGKILL by pid) when done; the whole run is bounded by
# $LOAD_TIMEOUT_S (default 1800 s), after which it is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${LOAD_BUILD_DIR:-build/load-release}
if [ ! -x "$build/tests/load/canopy-load" ]; then
  ./scripts/setup.sh
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache
              -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    "${launcher[@]}" >/dev/null
  cmake --build "$build" -j "${CANOPY_JOBS:-2}" \
    --target canopy-server canopy-load
fi
# canopy-load raises its own soft fd limit to the hard limit; the members it
# starts inherit it. Their logs stay quiet unless asked for.
export CANOPY_TEST_LOG_LEVEL=${CANOPY_TEST_LOG_LEVEL:-warn}
echo "load: $(date -u +%FT%TZ) $(nproc) cores, fd hard limit $(ulimit -Hn)"
# On a normal exit canopy-load SIGKILLs every member it started (by pid).
# At the time limit, timeout signals its whole process group — canopy-load
# and the members it forked — with SIGTERM, then SIGKILL 10 s later.
exec timeout --kill-after=10 "${LOAD_TIMEOUT_S:-1800}" \
  "$build/tests/load/canopy-load" "$@"

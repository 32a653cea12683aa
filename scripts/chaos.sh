#!/usr/bin/env bash
# Randomised nemesis runs against 5-member ensembles of real canopy-server
# processes on loopback, for about N seconds (each run is ~1 minute and is
# not started unless it can finish in time). Prints each run's faults and a
# table of verdicts and history sizes (register ops, indeterminate ops,
# creates, lock holds, the fenced counter).
#
#   scripts/chaos.sh --time N [--seed S] [--rounds R] [--build DIR] [--quiet]
#
# Stops every process it starts (its own process group) and unmounts any
# tmpfs the disk-full fault left behind, on exit, Ctrl-C or TERM.
# Exit status: 0 all runs safe and live, 1 a run was unsafe, 2 a run stuck.
set -uo pipefail
cd "$(dirname "$0")/.."

build=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --time|--seed|--rounds) args+=("$1" "$2"); shift 2 ;;
    --quiet) args+=("$1"); shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 64 ;;
  esac
done
if [ -z "$build" ]; then
  for d in build build-release build/release; do
    [ -f "$d/build.ninja" ] && { build=$d; break; }
  done
fi
[ -n "$build" ] || { echo "no build dir; pass --build DIR" >&2; exit 64; }
if ! cmake --build "$build" --target nemesis_chaos canopy-server >/dev/null; then
  echo "build of nemesis_chaos failed in $build" >&2
  exit 1
fi
bin=$(find "$build" -name nemesis_chaos -type f -perm -u+x | head -1)
[ -x "$bin" ] || { echo "nemesis_chaos not found in $build" >&2; exit 1; }

# Everything a run creates lives under one temp dir, so cleanup is exact.
work=$(mktemp -d /tmp/canopy-chaos-XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    # The current run ends by itself within a couple of minutes; after
    # that, the whole process group (the driver and its servers) goes.
    for _ in $(seq 1 1200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null
  fi
  if [ -n "$pid" ]; then kill -KILL -- "-$pid" 2>/dev/null; fi
  grep " $work/" /proc/mounts 2>/dev/null | awk '{print $2}' | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# setsid: the driver leads its own process group, which its servers join.
TMPDIR=$work CANOPY_TEST_LOG_LEVEL=${CANOPY_TEST_LOG_LEVEL:-info} \
  setsid "$bin" "${args[@]}" &
pid=$!
wait "$pid"
status=$?
exit $status

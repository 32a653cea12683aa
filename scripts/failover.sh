#!/usr/bin/env bash
# Measures write availability after the leader of a local 3-member ensemble
# is SIGKILLed under load: the time from the kill to the next successful
# write. Bounded: one kill, at most 60 s of probing.
#   scripts/failover.sh [TICK_MS]      (default 2000, zoo.cfg's default)
# CANOPY_SERVER_BIN, CANOPY_CLI and CANOPY_BENCH name other binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
tick=${1:-2000}
cli=${CANOPY_CLI:-build/release/client/canopy}
bench=${CANOPY_BENCH:-build/release/bench/canopy-bench}
hosts=127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183

./scripts/cluster.sh stop 3 >/dev/null 2>&1 || true
rm -rf data/cluster-3
TICK_MS=$tick ./scripts/cluster.sh start 3 >/dev/null
trap './scripts/cluster.sh stop 3 >/dev/null 2>&1 || true' EXIT

leader=""
for _ in $(seq 1 600); do
  leader=$(./scripts/cluster.sh status 3 | sed -n 's/^member \([0-9]\).*leader.*/\1/p')
  [ -n "$leader" ] && break
done
[ -n "$leader" ] || { echo "no leader elected" >&2; exit 1; }

# A steady write load while the leader dies.
if [ -x "$bench" ]; then
  "$bench" -s "$hosts" -w set -n 4 --window 4 --warmup 0.5 --duration 8 \
    >/dev/null 2>&1 &
fi
for _ in $(seq 1 50); do "$cli" -s "$hosts" set / x >/dev/null 2>&1 && break; done

kill -KILL "$(cat "data/cluster-3/member$leader/pid")"
start=$(date +%s%N)
ok=""
for i in $(seq 1 600); do
  if "$cli" -s "$hosts" --timeout 1000 create "/failover-$i" x >/dev/null 2>&1; then
    ok=$i
    break
  fi
  [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 60000 ] && break
done
end=$(date +%s%N)
wait || true
if [ -z "$ok" ]; then
  echo "tickTime=${tick}ms: no successful write within 60 s" >&2
  exit 1
fi
echo "tickTime=${tick}ms: leader m$leader killed; next write succeeded after $(( (end - start) / 1000000 )) ms (attempt $ok)"

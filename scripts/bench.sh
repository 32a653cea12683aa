#!/usr/bin/env bash
# Canopy against Apache ZooKeeper 3.8 (Debian's `zookeeper` package) on this
# machine, side by side, with the same client (canopy-bench's ZooKeeper
# dialect, libzookeeper-mt) and the same durability (fsync on both; data of
# both under one temp dir on the same disk).
#
#   scripts/bench.sh            full run (< 30 min): standalone and 3-node
#   scripts/bench.sh --quick    < 3 min: 3-node throughput, one pass, and the
#                               standalone measurements at 100,000 znodes
# Options: --rounds N (A/B rounds per topology), --big (also 10,000,000
# znodes on Canopy, if they fit in memory), --keep (keep the data dir),
# --window N, --sessions N.
# Environment: CANOPY_BUILD_DIR (default build/release; built there as
# scripts/run.sh does when the binaries are missing), ZK_HEAP (default 2g,
# ZooKeeper's -Xmx), CANOPY_JOBS.
#
# What it prints: per topology and workload, ops/s and p99 of ZooKeeper and of
# Canopy (through the ZooKeeper client, and through its native client), with
# the ratios; then start-up, memory at N znodes, restart with them, write
# availability after SIGKILL of the leader, p99.9 of a steady write load with
# and without a snapshot of N znodes; then the targets of issue 6 with
# pass/fail. Every process it starts is stopped by PID on exit. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

# ------------------------------------------------------------------ options
quick=0
big=0
keep=0
rounds=""
sessions=32
window=8
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --big) big=1 ;;
    --keep) keep=1 ;;
    --rounds) rounds=$2; shift ;;
    --sessions) sessions=$2; shift ;;
    --window) window=$2; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if [ "$quick" = 1 ]; then
  rounds=${rounds:-1}
  topologies="ensemble"
  workloads="set get create create-ephemeral-sequential exists get-children mixed multi watch-fanout"
  warmup=0.3; duration=0.8
  znodes=100000
  steady_rate=500; steady_s=3
  jit_warmup_s=2
  steady_warmup=1
  startup_repeats=1
else
  rounds=${rounds:-2}
  topologies="standalone ensemble"
  workloads="set get create create-ephemeral-sequential exists get-children mixed multi watch-fanout"
  warmup=1; duration=3
  znodes=1000000
  steady_rate=1000; steady_s=12
  jit_warmup_s=5
  steady_warmup=3
  startup_repeats=3
fi
zk_heap=${ZK_HEAP:-2g}
tick_ms=2000
script_start=$(date +%s)

log() { printf '[bench %4ds] %s\n' "$(( $(date +%s) - script_start ))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ------------------------------------------------------------ setup, build
./scripts/setup.sh
build_dir=${CANOPY_BUILD_DIR:-build/release}
server_bin=$build_dir/server/canopy-server
bench_bin=$build_dir/bench/canopy-bench
if [ ! -x "$server_bin" ] || [ ! -x "$bench_bin" ]; then
  log "building canopy-server and canopy-bench in $build_dir (Release)"
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCANOPY_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build_dir" -j "${CANOPY_JOBS:-2}" \
    --target canopy-server canopy-bench
fi
server_bin=$(realpath "$server_bin")
bench_bin=$(realpath "$bench_bin")

zk_jar=/usr/share/java/zookeeper.jar
[ -f "$zk_jar" ] || die "ZooKeeper is not installed ($zk_jar missing)"
zk_cp=$zk_jar
[ -f /usr/share/java/slf4j-simple.jar ] && zk_cp=$zk_cp:/usr/share/java/slf4j-simple.jar
command -v java >/dev/null || die "no java on PATH (Debian's zookeeper needs default-jre-headless)"
py=/usr/bin/python3
[ -x "$py" ] || py=python3

# --------------------------------------------------------------- processes
mkdir -p data
work=$(mktemp -d "$repo/data/bench.XXXXXX")
results=$work/results.jsonl    # one canopy-bench JSON line per run, tagged
facts=$work/facts.jsonl        # the other measurements
: >"$results"; : >"$facts"
declare -A pids=()             # name -> pid of every server we started

stop_pid() {  # pid [signal]: signal, then wait for the exit (bounded)
  local pid=$1 sig=${2:-TERM}
  kill -0 "$pid" 2>/dev/null || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  timeout 20 tail --pid="$pid" -f /dev/null 2>/dev/null || {
    kill -KILL "$pid" 2>/dev/null || true
    timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || true
  }
}

stop_server() {  # name
  local name=$1
  [ -n "${pids[$name]:-}" ] || return 0
  stop_pid "${pids[$name]}"
  unset "pids[$name]"
}

cleanup() {
  local rc=$?
  for name in "${!pids[@]}"; do stop_pid "${pids[$name]}" || true; done
  jobs -p | while read -r p; do kill "$p" 2>/dev/null || true; done
  if [ "$keep" = 1 ] || [ $rc -ne 0 ]; then
    log "data and logs kept in $work"
  else
    rm -rf "$work"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Free loopback ports below the ephemeral range, checked by binding them.
free_ports() {  # count
  "$py" - "$1" <<'EOF'
import random, socket, sys
n = int(sys.argv[1]); got = []
while len(got) < n:
    p = random.randrange(12000, 32000)
    if p in got: continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); got.append(p)
    except OSError:
        pass
    finally:
        s.close()
print(" ".join(map(str, got)))
EOF
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

now_ns() { date +%s%N; }

fact() { echo "$1" >>"$facts"; }

# probe [args...]: canopy-bench probe; prints its JSON line.
probe() { "$bench_bin" probe "$@"; }

json_field() {  # json key
  "$py" -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

# ----------------------------------------------------------- server configs
# write_config system dir client_port snap_count [member_id peers...]
# peers: "id:peer_port:election_port:client_port" for an ensemble.
write_config() {
  local system=$1 dir=$2 port=$3 snap=$4 id=${5:-}
  shift 5 || shift $#
  mkdir -p "$dir/data"
  {
    echo "tickTime=$tick_ms"
    echo "initLimit=10"
    echo "syncLimit=5"
    echo "dataDir=$dir/data"
    echo "clientPort=$port"
    echo "clientPortAddress=127.0.0.1"
    echo "maxClientCnxns=0"
    echo "snapCount=$snap"
    echo "autopurge.snapRetainCount=3"
    echo "admin.enableServer=false"
    if [ "$system" = zookeeper ]; then
      echo "forceSync=yes"
      echo "4lw.commands.whitelist=*"
      echo "autopurge.purgeInterval=0"
    fi
    for peer in "$@"; do
      IFS=: read -r pid_ pport eport _ <<<"$peer"
      echo "server.$pid_=127.0.0.1:$pport:$eport"
    done
  } >"$dir/zoo.cfg"
  if [ -n "$id" ]; then echo "$id" >"$dir/data/myid"; fi
}

# start_server system name dir: launches it; sets started_ns (its start).
start_server() {
  local system=$1 name=$2 dir=$3
  started_ns=$(now_ns)
  if [ "$system" = zookeeper ]; then
    java "-Xmx$zk_heap" -XX:+UseG1GC -Djava.awt.headless=true \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      -Dzookeeper.admin.enableServer=false \
      -cp "$zk_cp" org.apache.zookeeper.server.quorum.QuorumPeerMain \
      "$dir/zoo.cfg" >"$dir/server.log" 2>&1 &
  else
    "$server_bin" --config "$dir/zoo.cfg" >"$dir/server.log" 2>&1 &
  fi
  pids[$name]=$!
  disown "$!"  # stopped by PID; no job-control notice when killed
}

# wait_serving hosts [timeout_ms]: until a read is answered (bounded).
wait_serving() {
  probe -s "$1" --timeout-ms "${2:-120000}" --attempt-ms 2000 >/dev/null ||
    die "no answer from $1 within ${2:-120000} ms"
}

# wait_writable hosts: until a write succeeds (a leader is elected).
wait_writable() {
  probe -s "$1" --write --path /bench-ready --timeout-ms 120000 \
    --attempt-ms 3000 >/dev/null || die "no write accepted by $1"
}

mode_of() {  # port -> leader|follower|standalone|""
  echo srvr | timeout 2 nc -q1 127.0.0.1 "$1" 2>/dev/null |
    sed -n 's/^Mode: //p' | tr -d '\r' || true
}

# ------------------------------------------------------------- topologies
# Each system of a topology gets its own ports and directories.
declare -A hosts_of=()   # "system" -> connect string
declare -A member_ports=()  # "system:i" -> client port

start_topology() {  # topology snap_count
  local topo=$1 snap=$2 system
  for system in zookeeper canopy; do
    if [ "$topo" = standalone ]; then
      local port; port=$(free_ports 1)
      local dir=$work/$topo-$system
      write_config "$system" "$dir" "$port" "$snap" ""
      start_server "$system" "$topo-$system" "$dir"
      hosts_of[$system]=127.0.0.1:$port
      member_ports[$system:1]=$port
    else
      local ports; read -r -a ports <<<"$(free_ports 9)"
      local peers=() i
      for i in 1 2 3; do
        peers+=("$i:${ports[$((i + 2))]}:${ports[$((i + 5))]}:${ports[$((i - 1))]}")
      done
      local hosts=""
      for i in 1 2 3; do
        local dir=$work/$topo-$system-$i
        write_config "$system" "$dir" "${ports[$((i - 1))]}" "$snap" "$i" "${peers[@]}"
        member_ports[$system:$i]=${ports[$((i - 1))]}
        hosts+="${hosts:+,}127.0.0.1:${ports[$((i - 1))]}"
      done
      for i in 1 2 3; do
        start_server "$system" "$topo-$system-$i" "$work/$topo-$system-$i"
      done
      hosts_of[$system]=$hosts
    fi
  done
  for system in zookeeper canopy; do
    wait_serving "${hosts_of[$system]}"
    wait_writable "${hosts_of[$system]}"
  done
  log "$topo up: zookeeper ${hosts_of[zookeeper]}, canopy ${hosts_of[canopy]}"
}

stop_topology() {  # topology: signal every member, then wait for each
  local name
  for name in "${!pids[@]}"; do
    case "$name" in "$1"-*) kill -TERM "${pids[$name]}" 2>/dev/null || true ;; esac
  done
  for name in "${!pids[@]}"; do
    case "$name" in "$1"-*) stop_server "$name" ;; esac
  done
}

# run_bench tag system dialect workload [extra args]: one canopy-bench run,
# its JSON line tagged and appended to the results.
run_bench() {
  local tag=$1 system=$2 dialect=$3 workload=$4
  shift 4
  local out
  if out=$(timeout 300 "$bench_bin" -s "${hosts_of[$system]}" -d "$dialect" \
      -w "$workload" -n "$sessions" --window "$window" --warmup "$warmup" \
      --duration "$duration" --no-table --label "$tag" "$@" 2>"$work/last-bench.err"); then
    :
  else
    log "run failed: $tag $system $dialect $workload: $(tail -2 "$work/last-bench.err")"
  fi
  [ -n "$out" ] && echo "$out" >>"$results"
  echo "$out"
}

# -------------------------------------------------- throughput and latency
# An unmeasured mixed load on each system first, so that ZooKeeper's JIT has
# compiled its hot paths before anything is measured (Canopy gets the same).
jit_warmup() {  # topology
  local system
  for system in zookeeper canopy; do
    timeout 120 "$bench_bin" -s "${hosts_of[$system]}" -d zookeeper -w mixed \
      --read-ratio 0.5 -n "$sessions" --window "$window" --warmup 0 \
      --duration "$jit_warmup_s" --no-table --label "$1|jit-warmup" \
      >/dev/null 2>&1 || log "$system: JIT warm-up run failed"
  done
}

throughput_pass() {  # topology
  local topo=$1 r w order system p
  jit_warmup "$topo"
  for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) = 1 ]; then order="zookeeper canopy"; else order="canopy zookeeper"; fi
    for w in $workloads; do
      for system in $order; do
        run_bench "$topo|$system|zookeeper|$r" "$system" zookeeper "$w" >/dev/null
        if [ "$system" = canopy ]; then
          run_bench "$topo|canopy|native|$r" canopy native "$w" >/dev/null
        fi
      done
    done
    log "$topo round $r/$rounds done"
  done
}

# p99 of set at half of ZooKeeper's peak set throughput (open loop).
half_peak_pass() {  # topology
  local topo=$1 peak r system order rate
  peak=$("$py" - "$results" "$topo" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
v = [r["ops_per_s"] for r in rows if r["workload"] == "set" and r["rate"] == 0
     and r["label"].startswith(sys.argv[2] + "|zookeeper|zookeeper|")]
print(int(statistics.median(v)) if v else 0)
EOF
)
  [ "$peak" -gt 0 ] || { log "no ZooKeeper set figure on $topo"; return; }
  rate=$((peak / 2))
  fact "{\"kind\":\"half_peak_rate\",\"topology\":\"$topo\",\"zk_peak\":$peak,\"rate\":$rate}"
  for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) = 1 ]; then order="zookeeper canopy"; else order="canopy zookeeper"; fi
    for system in $order; do
      run_bench "$topo-halfpeak|$system|zookeeper|$r" "$system" zookeeper set \
        --rate "$rate" --duration "$(awk "BEGIN{print $duration + 1}")" >/dev/null
    done
  done
}

# SIGKILL of the leader; time to the next successful write on a new session
# of a surviving member, under a steady write load.
failover_pass() {
  local system port i leader="" survivors="" t0 out
  for system in zookeeper canopy; do
    leader=""
    for _ in $(seq 1 100); do
      for i in 1 2 3; do
        if [ "$(mode_of "${member_ports[$system:$i]}")" = leader ]; then leader=$i; fi
      done
      [ -n "$leader" ] && break
      probe -s "${hosts_of[$system]}" --write --path /bench-ready \
        --timeout-ms 2000 >/dev/null || true
    done
    [ -n "$leader" ] || { log "$system: no leader found"; continue; }
    survivors=""
    for i in 1 2 3; do
      [ "$i" = "$leader" ] || survivors+="${survivors:+,}127.0.0.1:${member_ports[$system:$i]}"
    done
    # A steady write load (4 sessions, 1000 ops/s) through the kill.
    "$bench_bin" -s "${hosts_of[$system]}" -d zookeeper -w set -n 4 --window 4 \
      --rate 1000 --warmup 0 --duration 6 --no-table --label "failover-load" \
      >"$work/failover-load-$system.json" 2>&1 &
    local load_pid=$!
    # Let the load run for a second before the kill (part of the experiment,
    # not a synchronisation).
    sleep 1
    t0=$(now_ns)
    kill -KILL "${pids[ensemble-$system-$leader]}"
    unset "pids[ensemble-$system-$leader]"
    out=$(probe -s "$survivors" --write --path /bench-failover --since-ns "$t0" \
      --timeout-ms 60000 --attempt-ms 1000 --label "$system") || true
    log "$system failover: $out"
    fact "{\"kind\":\"failover\",\"system\":\"$system\",\"probe\":$out}"
    timeout 60 tail --pid="$load_pid" -f /dev/null || kill "$load_pid" 2>/dev/null || true
    wait "$load_pid" 2>/dev/null || true
  done
}

# ------------------------------------------------ standalone measurements
# First answered request after start with an empty data dir (more samples;
# memory_pass's first start is one too).
startup_pass() {
  local system k dir port out
  for k in $(seq 2 "$startup_repeats"); do
    for system in zookeeper canopy; do
      dir=$work/startup-$system-$k
      port=$(free_ports 1)
      write_config "$system" "$dir" "$port" 100000 ""
      start_server "$system" "startup-$system" "$dir"
      out=$(probe -s "127.0.0.1:$port" --since-ns "$started_ns" \
        --timeout-ms 60000 --attempt-ms 1000 --label "$system")
      fact "{\"kind\":\"startup\",\"system\":\"$system\",\"probe\":$out}"
      stop_server "startup-$system"
      rm -rf "$dir"
    done
  done
}

# Snapshot file names in a data dir, sorted (both name them snapshot.<zxid>).
snapshot_names() {  # dir
  find "$1" -type f -name 'snapshot.*' -printf '%f\n' 2>/dev/null | sort
}

# new_snapshots before_file dir: snapshots in dir that were not listed before
# (retention may have removed older ones meanwhile).
new_snapshots() {
  snapshot_names "$2" | comm -13 "$1" - | wc -l
}

# Memory at N znodes, restart with them, steady writes with and without a
# snapshot, on one standalone server of each system, one after the other.
memory_pass() {
  local system dir port rss0 rss1 out
  for system in zookeeper canopy; do
    dir=$work/memory-$system
    port=$(free_ports 1)
    hosts_of[$system]=127.0.0.1:$port
    write_config "$system" "$dir" "$port" 100000 ""
    start_server "$system" "memory-$system" "$dir"
    out=$(probe -s "${hosts_of[$system]}" --since-ns "$started_ns" \
      --timeout-ms 120000 --attempt-ms 1000 --label "$system") ||
      die "$system: no answer after start"
    fact "{\"kind\":\"startup\",\"system\":\"$system\",\"probe\":$out}"
    rss0=$(rss_kib "${pids[memory-$system]}")
    log "$system: loading $znodes znodes of 100 bytes"
    local dialect=zookeeper
    [ "$system" = canopy ] && dialect=native  # loading is not measured
    out=$(timeout 1800 "$bench_bin" -s "${hosts_of[$system]}" -d "$dialect" -w create \
      -n 16 --window 32 --warmup 0 --ops "$znodes" --spread 1000 --value-bytes 100 \
      --prefix /load --no-table --label "load|$system") || die "$system: load failed"
    rss1=$(rss_kib "${pids[memory-$system]}")
    local heap_used=0
    if [ "$system" = zookeeper ] && command -v jcmd >/dev/null; then
      jcmd "${pids[memory-$system]}" GC.run >/dev/null 2>&1 || true
      heap_used=$(jcmd "${pids[memory-$system]}" GC.heap_info 2>/dev/null |
        sed -n 's/.*heap *total [0-9]*K, used \([0-9]*\)K.*/\1/p' | head -1)
      heap_used=${heap_used:-0}
    fi
    fact "{\"kind\":\"memory\",\"system\":\"$system\",\"znodes\":$znodes,\"rss_empty_kib\":$rss0,\"rss_kib\":$rss1,\"heap_used_after_gc_kib\":$heap_used,\"load\":$out}"
    log "$system: RSS ${rss0} KiB empty, ${rss1} KiB with $znodes znodes"

    # Restart with the data; no snapshot during the baseline load.
    stop_server "memory-$system"
    write_config "$system" "$dir" "$port" 1000000000 ""
    start_server "$system" "memory-$system" "$dir"
    out=$(probe -s "${hosts_of[$system]}" --since-ns "$started_ns" \
      --timeout-ms 600000 --attempt-ms 5000 --label "$system") || die "$system did not restart"
    local rss2; rss2=$(rss_kib "${pids[memory-$system]}")
    fact "{\"kind\":\"restart\",\"system\":\"$system\",\"znodes\":$znodes,\"rss_kib\":$rss2,\"probe\":$out}"
    log "$system restart: $out"
    wait_writable "${hosts_of[$system]}"

    snapshot_names "$dir/data" >"$work/snaps-before"
    run_bench "steady|$system|zookeeper|nosnap" "$system" zookeeper set \
      -n 8 --window 8 --rate "$steady_rate" --warmup "$steady_warmup" --duration "$steady_s" >/dev/null
    fact "{\"kind\":\"snapshots\",\"system\":\"$system\",\"phase\":\"nosnap\",\"new\":$(new_snapshots "$work/snaps-before" "$dir/data")}"

    # Restart with a snapCount that the same load crosses a few times.
    stop_server "memory-$system"
    local snap=$((steady_rate * steady_s / 3))
    write_config "$system" "$dir" "$port" "$snap" ""
    start_server "$system" "memory-$system" "$dir"
    wait_serving "${hosts_of[$system]}" 600000
    wait_writable "${hosts_of[$system]}"
    snapshot_names "$dir/data" >"$work/snaps-before"
    run_bench "steady|$system|zookeeper|snap" "$system" zookeeper set \
      -n 8 --window 8 --rate "$steady_rate" --warmup "$steady_warmup" --duration "$steady_s" >/dev/null
    fact "{\"kind\":\"snapshots\",\"system\":\"$system\",\"phase\":\"snap\",\"snap_count\":$snap,\"new\":$(new_snapshots "$work/snaps-before" "$dir/data")}"

    if [ "$system" = canopy ] && [ "$big" = 1 ]; then
      big_pass "$rss0" "$rss1"
    fi
    stop_server "memory-$system"
    rm -rf "$dir"
  done
}

# Canopy only: 10,000,000 znodes when the 1,000,000 figure says they fit.
big_pass() {  # rss_empty rss_1m
  local per=$(( ($2 - $1) * 1024 / znodes ))
  local need_gib=$(( per * 10000000 / 1024 / 1024 / 1024 + 1 ))
  local avail_gib; avail_gib=$(awk '/^MemAvailable:/ {print int($2/1024/1024)}' /proc/meminfo)
  if [ "$need_gib" -ge 24 ] || [ "$need_gib" -ge "$avail_gib" ]; then
    fact "{\"kind\":\"big\",\"system\":\"canopy\",\"skipped\":\"needs ~${need_gib} GiB, ${avail_gib} GiB available\"}"
    return
  fi
  local more=$((10000000 - znodes)) out rss
  log "canopy: loading $more more znodes (10M in all; ~${need_gib} GiB)"
  out=$(timeout 3600 "$bench_bin" -s "${hosts_of[canopy]}" -d native -w create \
    -n 16 --window 64 --warmup 0 --ops "$more" --spread 10000 --prefix /big \
    --no-table --label "big|canopy") || { log "big load failed"; return; }
  rss=$(rss_kib "${pids[memory-canopy]}")
  stop_server memory-canopy
  start_server canopy memory-canopy "$work/memory-canopy"
  local restart
  restart=$(probe -s "${hosts_of[canopy]}" --since-ns "$started_ns" \
    --timeout-ms 1800000 --attempt-ms 5000 --label canopy) || true
  fact "{\"kind\":\"big\",\"system\":\"canopy\",\"znodes\":10000000,\"rss_kib\":$rss,\"load\":$out,\"restart\":$restart}"
}

# ------------------------------------------------------------------- main
log "work dir $work; quick=$quick rounds=$rounds sessions=$sessions window=$window"
log "ZooKeeper: $(java -version 2>&1 | head -1), -Xmx$zk_heap; Canopy: $server_bin"

for topo in $topologies; do
  start_topology "$topo" 100000
  throughput_pass "$topo"
  if [ "$topo" = ensemble ]; then
    half_peak_pass "$topo"
    failover_pass
  fi
  stop_topology "$topo"
done

startup_pass
memory_pass

# ------------------------------------------------------------------ report
elapsed=$(( $(date +%s) - script_start ))
"$py" - "$results" "$facts" "$quick" "$elapsed" "$zk_heap" "$sessions" "$window" <<'EOF'
import json, statistics, sys

results_path, facts_path, quick, elapsed, heap, sessions, window = sys.argv[1:8]
rows = [json.loads(l) for l in open(results_path) if l.strip()]
facts = [json.loads(l) for l in open(facts_path) if l.strip()]

def runs(prefix, system, dialect, workload):
    return [r for r in rows if r["workload"] == workload
            and r["label"].startswith(f"{prefix}|{system}|{dialect}|")]

def med(rs, key):
    v = [r[key] for r in rs if r["ops"] > 0]
    return statistics.median(v) if v else None

def ratio(a, b):
    return a / b if a and b else None

def f(x, fmt="{:.0f}"):
    return "-" if x is None else fmt.format(x)

print()
print(f"== Canopy vs ZooKeeper 3.8 ({'quick' if quick == '1' else 'full'} run, "
      f"{elapsed} s; {sessions} sessions x window {window}, 100-byte values; "
      f"fsync on; ZooKeeper -Xmx{heap}; medians over A/B rounds)")
workloads = []
for r in rows:
    if r["workload"] not in workloads and r["rate"] == 0: workloads.append(r["workload"])
for topo in ["standalone", "ensemble"]:
    if not any(r["label"].startswith(topo + "|") for r in rows): continue
    print()
    print(f"-- {topo if topo == 'standalone' else '3-node ensemble'}: ops/s (p99 ms)"
          "  [canopy/zk: Canopy through the same ZooKeeper C client; native: canopy::Client]")
    print(f"{'workload':<28} {'zookeeper':>18} {'canopy/zk':>18} {'ratio':>6} "
          f"{'canopy/native':>18} {'ratio':>6} {'rounds':>6}")
    for w in workloads:
        z = runs(topo, "zookeeper", "zookeeper", w)
        c = runs(topo, "canopy", "zookeeper", w)
        n = runs(topo, "canopy", "native", w)
        if not (z or c or n): continue
        cell = lambda rs: f"{f(med(rs, 'ops_per_s'))} ({f(med(rs, 'p99_us') and med(rs, 'p99_us') / 1e3, '{:.2f}')})"
        zr = med(z, "ops_per_s")
        print(f"{w:<28} {cell(z):>18} {cell(c):>18} "
              f"{f(ratio(med(c, 'ops_per_s'), zr), '{:.2f}x'):>6} {cell(n):>18} "
              f"{f(ratio(med(n, 'ops_per_s'), zr), '{:.2f}x'):>6} {len(z):>6}")
        errs = sum(r["errors"] for r in z + c + n)
        if errs: print(f"{'':<28} (errors in these runs: {errs})")

half = [x for x in facts if x["kind"] == "half_peak_rate"]
hp = {}
if half:
    h = half[0]
    print()
    print(f"-- 3-node set at half of ZooKeeper's peak ({h['rate']} ops/s of {h['zk_peak']}), open loop:")
    for system in ["zookeeper", "canopy"]:
        rs = runs("ensemble-halfpeak", system, "zookeeper", "set")
        hp[system] = med(rs, "p99_us")
        print(f"   {system:<10} p50 {f(med(rs, 'p50_us') and med(rs, 'p50_us')/1e3, '{:.2f}')} ms  "
              f"p99 {f(hp[system] and hp[system]/1e3, '{:.2f}')} ms  "
              f"p99.9 {f(med(rs, 'p999_us') and med(rs, 'p999_us')/1e3, '{:.2f}')} ms  "
              f"achieved {f(med(rs, 'ops_per_s'))} ops/s")

def by(kind, system=None):
    return [x for x in facts if x["kind"] == kind and (system is None or x.get("system") == system)]

print()
print("-- start-up, memory, restart, fail-over, snapshot")
start = {}
for system in ["zookeeper", "canopy"]:
    v = [x["probe"]["ms"] for x in by("startup", system) if x["probe"]["ok"]]
    start[system] = statistics.median(v) if v else None
    print(f"   first answered request after start (empty), {system:<10}: "
          f"{f(start[system], '{:.1f}')} ms  (runs: {', '.join(f'{x:.1f}' for x in v)})")
mem = {x["system"]: x for x in by("memory")}
for system in ["zookeeper", "canopy"]:
    if system not in mem: continue
    m = mem[system]
    per = (m["rss_kib"] - m["rss_empty_kib"]) * 1024 / m["znodes"]
    extra = ""
    if m.get("heap_used_after_gc_kib"):
        extra = f"; Java heap used after a full GC {m['heap_used_after_gc_kib']/1024:.0f} MiB"
    print(f"   RSS with {m['znodes']:,} znodes of 100 B, {system:<10}: {m['rss_kib']/1024:.0f} MiB "
          f"(empty {m['rss_empty_kib']/1024:.0f} MiB; {per:.0f} B/znode{extra}); "
          f"load {m['load']['ops_per_s']:.0f} creates/s")
rst = {x["system"]: x for x in by("restart")}
for system in ["zookeeper", "canopy"]:
    if system in rst:
        r = rst[system]
        print(f"   restart with {r['znodes']:,} znodes to first answer, {system:<10}: "
              f"{r['probe']['ms']:.0f} ms (RSS after restart {r['rss_kib']/1024:.0f} MiB)")
fo = {x["system"]: x["probe"] for x in by("failover")}
for system in ["zookeeper", "canopy"]:
    if system in fo:
        p = fo[system]
        print(f"   3-node: SIGKILL of the leader to the next successful write, {system:<10}: "
              f"{f(p['ms'] if p['ok'] else None, '{:.0f}')} ms")
snap = {}
for system in ["zookeeper", "canopy"]:
    a = runs("steady", system, "zookeeper", "set")
    base = [r for r in a if r["label"].endswith("|nosnap")]
    withs = [r for r in a if r["label"].endswith("|snap")]
    if not base or not withs: continue
    snap[system] = (base[0]["p999_us"], withs[0]["p999_us"])
    s = [x for x in by("snapshots", system) if x["phase"] == "snap"]
    s0 = [x for x in by("snapshots", system) if x["phase"] == "nosnap"]
    note = (f"snapCount {s[0]['snap_count']}: {s[0]['new']} new snapshot files during the run, "
            f"{s0[0]['new'] if s0 else '?'} without") if s else ""
    print(f"   steady set {base[0]['rate']:.0f}/s on the loaded tree, p99.9, {system:<10}: "
          f"{base[0]['p999_us']/1e3:.2f} ms without snapshots, {withs[0]['p999_us']/1e3:.2f} ms with "
          f"({withs[0]['p999_us']/max(base[0]['p999_us'],1):.2f}x; {note})")
for b in by("big"):
    if "skipped" in b: print(f"   10,000,000 znodes (Canopy): skipped, {b['skipped']}")
    else: print(f"   10,000,000 znodes (Canopy): RSS {b['rss_kib']/1024:.0f} MiB, "
                f"restart {b['restart']['ms'] if b['restart'] else '-'} ms")

# Targets (issue 6), 3-node ensemble unless noted.
print()
print("-- targets (issue 6)                                    measured            target    verdict")
def verdict(ok):
    return "-" if ok is None else ("PASS" if ok else "FAIL")
def target(name, value, goal, ok):
    print(f"   {name:<52} {value:<19} {goal:<9} {verdict(ok)}")
topo = "ensemble"
for w, goal in [("set", 3.0), ("get", 2.0)]:
    z = med(runs(topo, "zookeeper", "zookeeper", w), "ops_per_s")
    for dialect in ["zookeeper", "native"]:
        c = med(runs(topo, "canopy", dialect, w), "ops_per_s")
        q = ratio(c, z)
        what = "write" if w == "set" else "read"
        target(f"{what} throughput ({w}, {sessions} sess), canopy/{'zk' if dialect == 'zookeeper' else 'native'} vs zk",
               f(q, "{:.2f}x"), f">= {goal:.0f}x", None if q is None else q >= goal)
if hp.get("zookeeper") and hp.get("canopy"):
    q = hp["canopy"] / hp["zookeeper"]
    target("p99 write latency at half ZK peak, canopy/zk", f"{q:.2f}x", "<= 0.33x", q <= 1 / 3)
if "zookeeper" in mem and "canopy" in mem:
    q = mem["canopy"]["rss_kib"] / mem["zookeeper"]["rss_kib"]
    target(f"RSS at {mem['canopy']['znodes']:,} znodes (standalone), canopy/zk", f"{q:.2f}x", "<= 0.33x", q <= 1 / 3)
if "zookeeper" in rst and "canopy" in rst:
    q = rst["canopy"]["probe"]["ms"] / max(rst["zookeeper"]["probe"]["ms"], 1e-9)
    target(f"restart with {rst['canopy']['znodes']:,} znodes (standalone), canopy/zk", f"{q:.2f}x", "<= 0.20x", q <= 0.2)
if start.get("canopy") is not None:
    target("first answered request after start (canopy)", f"{start['canopy']:.1f} ms", "< 50 ms", start["canopy"] < 50)
if "canopy" in fo:
    p = fo["canopy"]
    target("writes resume after SIGKILL of the leader (canopy)",
           f"{p['ms']:.0f} ms" if p["ok"] else "none", "< 500 ms", p["ok"] and p["ms"] < 500)
if "canopy" in snap:
    b, w = snap["canopy"]
    q = w / max(b, 1)
    target("p99.9 write latency, snapshot vs none (canopy, standalone)", f"{q:.2f}x", "< 2x", q < 2)
if quick == "1":
    print("   (quick run: fewer znodes and shorter runs; the full run is the reference)")
EOF

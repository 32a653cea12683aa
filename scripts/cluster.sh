#!/usr/bin/env bash
# A local Canopy ensemble on loopback, from conf/ensemble-N/.
#   scripts/cluster.sh start N    build if needed, start N members (3 or 5)
#   scripts/cluster.sh stop N     stop them (SIGTERM, by their pid files)
#   scripts/cluster.sh status N   each member's mode and last zxid
# Members listen for clients on 127.0.0.1:2181..218N; data and logs live in
# data/cluster-N/memberI/. Set TICK_MS to override tickTime (e.g. 200).
set -euo pipefail
cd "$(dirname "$0")/.."

action=${1:-status}
n=${2:-3}
[ -d "conf/ensemble-$n" ] || { echo "no conf/ensemble-$n" >&2; exit 2; }
bin=${CANOPY_SERVER_BIN:-build/release/server/canopy-server}

member_dir() { echo "data/cluster-$n/member$1"; }

case "$action" in
  start)
    if [ ! -x "$bin" ]; then
      ./scripts/setup.sh
      cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCANOPY_BUILD_TESTS=OFF >/dev/null
      cmake --build build/release -j "${CANOPY_JOBS:-2}" \
        --target canopy-server canopy
    fi
    for i in $(seq 1 "$n"); do
      dir=$(member_dir "$i")
      mkdir -p "$dir"
      echo "$i" > "$dir/myid"
      cfg="$dir/zoo.cfg"
      cp "conf/ensemble-$n/server$i.cfg" "$cfg"
      if [ -n "${TICK_MS:-}" ]; then
        sed -i "s/^tickTime=.*/tickTime=$TICK_MS/" "$cfg"
      fi
      if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
        echo "member $i already runs (pid $(cat "$dir/pid"))"
        continue
      fi
      nohup "$bin" --config "$cfg" >"$dir/stdout.log" 2>"$dir/server.log" &
      echo $! > "$dir/pid"
      echo "member $i: pid $!, client port $((2180 + i))"
    done
    ;;
  stop)
    for i in $(seq 1 "$n"); do
      pidfile="$(member_dir "$i")/pid"
      [ -f "$pidfile" ] || continue
      pid=$(cat "$pidfile")
      if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 100); do
          kill -0 "$pid" 2>/dev/null || break
          sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      fi
      rm -f "$pidfile"
      echo "member $i stopped"
    done
    ;;
  status)
    for i in $(seq 1 "$n"); do
      port=$((2180 + i))
      answer=$(echo srvr | timeout 2 nc -q1 127.0.0.1 "$port" 2>/dev/null || true)
      mode=$(echo "$answer" | sed -n 's/^Mode: //p')
      zxid=$(echo "$answer" | sed -n 's/^Zxid: //p')
      echo "member $i (127.0.0.1:$port): ${mode:-down} ${zxid}"
    done
    ;;
  *)
    echo "usage: $0 start|stop|status N" >&2
    exit 2
    ;;
esac

# test-nats-common.sh: sourced by tests/test-nats-*.sh. Real nats-server
# processes (JetStream on, private loopback ports, store dirs under $tmp),
# producer traces with disjoint actors and message ids (so that stats of
# their concatenation equal stats of any interleaving), and waiting for a
# collector's data directory to reach a count.
#
# Needs: $tmp (a temporary folder the caller removes), $cli, $gen.

command -v nats-server >/dev/null 2>&1 || { echo "SKIP: nats-server not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }

# N free loopback TCP ports, space-separated.
free_ports () {
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# write_node_conf NAME CLIENT_PORT CLUSTER_PORT ROUTE_PORTS...: $tmp/NAME.conf
write_node_conf () {
  name=$1 port=$2 cport=$3; shift 3
  routes=""
  for r in "$@"; do routes="$routes${routes:+, }\"nats-route://127.0.0.1:$r\""; done
  mkdir -p "$tmp/$name"
  {
    echo "server_name: $name"
    echo "listen: 127.0.0.1:$port"
    echo "jetstream { store_dir: \"$tmp/$name\" }"
    if [ -n "$cport" ]; then
      echo "cluster { name: as-test, listen: 127.0.0.1:$cport, routes: [$routes ] }"
    fi
  } > "$tmp/$name.conf"
}

# start_node NAME: runs nats-server -c $tmp/NAME.conf; its pid in $tmp/NAME.pid
start_node () {
  nats-server -c "$tmp/$1.conf" >> "$tmp/$1.log" 2>&1 &
  echo $! > "$tmp/$1.pid"
}

stop_node () {
  sig=${2:-TERM}
  if [ -f "$tmp/$1.pid" ]; then
    kill -"$sig" "$(cat "$tmp/$1.pid")" 2>/dev/null || true
    { wait "$(cat "$tmp/$1.pid")"; } 2>/dev/null || true
    rm -f "$tmp/$1.pid"
  fi
}

# make_trace N EVENTS SEED: $tmp/pN.ndjson, actors under /pN, ids + N*10^9.
make_trace () {
  "$gen" -q -n "$2" -s "$3" --no-payload -o "$tmp/raw$1.ndjson"
  python3 - "$1" "$tmp/raw$1.ndjson" "$tmp/p$1.ndjson" <<'PY'
import json, sys
n, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
off = int(n) * 10**9
with open(src) as f, open(dst, "w") as out:
    for line in f:
        r = json.loads(line)
        if "ev" not in r:
            out.write(line); continue
        for k in ("actor", "from", "to", "reply_to", "parent"):
            if isinstance(r.get(k), str) and r[k].startswith("/"):
                r[k] = "/p" + n + r[k]
        for k in ("id", "in_reply_to"):
            if isinstance(r.get(k), int):
                r[k] += off
        out.write(json.dumps(r, separators=(",", ":")) + "\n")
PY
}

# events_in DIR: the event count of a data directory ("stats --json").
events_in () {
  "$cli" stats --json "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])' 2>/dev/null || echo 0
}

# wait_events DIR N SECONDS: until DIR holds N events; FALSE on timeout.
wait_events () {
  end=$(( $(date +%s) + $3 ))
  while [ "$(date +%s)" -le "$end" ]; do
    [ "$(events_in "$1")" -ge "$2" ] && return 0
    sleep 0.3
  done
  return 1
}

# stats_json TRACE: stats --json without "source", every list sorted: actors
# and edges are listed in the order they first appeared, which differs
# between interleavings of the producers; their figures must not.
stats_json () {
  "$cli" stats --json "$1" | python3 -c '
import json, sys
def norm(v):
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items() if k != "source"}
    if isinstance(v, list):
        return sorted((norm(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
    return v
json.dump(norm(json.load(sys.stdin)), sys.stdout, indent=1, sort_keys=True)
print()'
}

# order_report COLLECTED.ndjson N: for producers 1..N, how the collector's
# events (native NDJSON, e.g. from `convert DATA-DIR`) compare with
# $tmp/pK.ndjson: missing, duplicated, and steps backwards in the
# producer's order (with the first one).
order_report () {
  python3 - "$tmp" "$1" "$2" <<'PY'
import json, sys
tmp, got, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def key(r):
    return (r.get("ev"), r.get("ts"), r.get("actor") or r.get("from"), str(r.get("id")))
def events(path):
    for line in open(path):
        r = json.loads(line)
        if "ev" in r and r["ev"] != "actor":
            yield r
collected = [key(r) for r in events(got)]
for k in range(1, n + 1):
    pub = [key(r) for r in events(f"{tmp}/p{k}.ndjson")]
    pos = {e: i for i, e in enumerate(pub)}
    idx = [pos[e] for e in collected if e in pos]
    back = [i for i in range(1, len(idx)) if idx[i] < idx[i - 1]]
    print(f"producer {k}: {len(pub)} published, {len(set(pub) - set(collected))} missing, "
          f"{len(idx) - len(set(idx))} duplicated, {len(back)} steps back"
          + (f" (first: event {idx[back[0]]} after {idx[back[0] - 1]})" if back else ""))
PY
}

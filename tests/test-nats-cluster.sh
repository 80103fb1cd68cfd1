#!/bin/bash
# test-nats-cluster.sh ACTORSCOPE ACTORSCOPE-GEN [EVENTS-PER-PRODUCER]:
# exactly once through a JetStream cluster under faults.
#
# Three real nats-server nodes (JetStream, loopback ports, private store
# dirs) and a stream with 3 replicas. Four producers (`actorscope publish`,
# paced) publish 4 x 30k events (or 4 x EVENTS-PER-PRODUCER; 250000 is the
# issue's 1 M-event run) while one node is killed -9 and restarted and the
# collector (`serve --nats --data-dir`) is killed -9 and restarted.
# Then `stats` of the collector's data directory equals `stats` of what the
# producers sent, exactly: nothing lost, nothing counted twice, and each
# producer's events in its order (resends land out of order in the stream
# and a killed collector's messages come again late; the collector puts
# them back in order by the Actorscope-Batch header), which pairing needs.
set -eu

cli=$1
gen=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cpid=""
cleanup () {
  [ -n "$cpid" ] && kill -9 "$cpid" 2>/dev/null
  for n in n1 n2 n3; do stop_node $n KILL; done
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
. "$here/test-nats-common.sh"

per=${3:-30000}
read -r p1 p2 p3 c1 c2 c3 <<< "$(free_ports 6)"
write_node_conf n1 "$p1" "$c1" "$c2" "$c3"
write_node_conf n2 "$p2" "$c2" "$c1" "$c3"
write_node_conf n3 "$p3" "$c3" "$c1" "$c2"
for n in n1 n2 n3; do start_node $n; done
urls="nats://127.0.0.1:$p1,nats://127.0.0.1:$p2,nats://127.0.0.1:$p3"

gens=""
for n in 1 2 3 4; do make_trace $n $per $((n + 10)) & gens="$gens $!"; done
wait $gens   # not a bare wait: the servers run in the background too
{ cat "$tmp/p1.ndjson"; for n in 2 3 4; do tail -n +2 "$tmp/p$n.ndjson"; done; } > "$tmp/all.ndjson"

# The R3 stream, once the cluster has elected its JetStream meta leader.
ok=0
for _ in $(seq 1 60); do
  if "$cli" publish -q --nats "$urls" --subject actorscope.test.init --stream EVENTS \
       --stream-replicas 3 /dev/null 2>> "$tmp/init.err"; then ok=1; break; fi
  sleep 0.5
done
[ $ok = 1 ] || { echo "FAIL: the cluster never took the stream"; cat "$tmp/init.err"; exit 1; }

# The first collector and producers 1 and 2 know only n2, the node that is
# killed: they must move to the nodes the cluster told them about.
n2url="nats://127.0.0.1:$p2"
start_collector () {
  "$cli" serve -p 0 -q --nats "$1" --stream EVENTS --durable test \
    --data-dir "$tmp/data" >> "$tmp/collector.out" 2>> "$tmp/collector.err" &
  cpid=$!
}
start_collector "$n2url"

# Producers: 2000 lines every 100 ms each, so the faults land mid-stream.
pace () {
  python3 -c '
import sys, time
lines = open(sys.argv[1], "rb").readlines()
for i in range(0, len(lines), 2000):
    sys.stdout.buffer.write(b"".join(lines[i:i + 2000])); sys.stdout.flush(); time.sleep(0.1)
' "$1"
}
ppids=""
for n in 1 2 3 4; do
  u=$urls; [ $n -le 2 ] && u=$n2url
  pace "$tmp/p$n.ndjson" | "$cli" publish --nats "$u" --subject "actorscope.test.h$n" \
    --batch-lines 500 --id-prefix "p$n" - 2> "$tmp/producer$n.err" &
  ppids="$ppids $!"
done

sleep 0.6
stop_node n2 KILL                      # a cluster node goes away
sleep 0.4
kill -9 "$cpid"; wait "$cpid" 2>/dev/null || true   # the collector dies
sleep 0.3
start_collector "$urls"
sleep 0.5
start_node n2                          # the node comes back

fail=0
for pid in $ppids; do
  wait "$pid" || { echo "FAIL: a producer failed"; fail=1; }
done
for n in 1 2 3 4; do cat "$tmp/producer$n.err"; done

expected=$((4 * per))
if ! wait_events "$tmp/data" "$expected" $((25 + per / 5000)); then
  echo "FAIL: the collector holds $(events_in "$tmp/data") events, not $expected"
  fail=1
fi
sleep 0.5   # anything counted twice would arrive now
kill -TERM "$cpid"; wait "$cpid" || { echo "FAIL: the collector's exit status"; fail=1; }
cpid=""

stats_json "$tmp/all.ndjson" > "$tmp/expected.json"
stats_json "$tmp/data" > "$tmp/got.json"
if ! diff -u "$tmp/expected.json" "$tmp/got.json" > "$tmp/stats.diff"; then
  echo "FAIL: stats of the collector differ from stats of what was published"
  head -40 "$tmp/stats.diff"
  # Which producer's events the collector holds out of order, duplicated
  # or not at all (pairing depends on each producer's order).
  "$cli" convert "$tmp/data" -o "$tmp/got.ndjson" && order_report "$tmp/got.ndjson" 4
  fail=1
fi
grep -h "actorscope serve" "$tmp/collector.err" | head -20 || true
if [ $fail = 0 ]; then
  echo "ok: $expected events through a 3-node cluster, a node and the collector killed: stats equal"
fi
exit $fail

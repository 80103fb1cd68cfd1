#!/bin/bash
# test-nats-order.sh ACTORSCOPE ACTORSCOPE-GEN PUBLISH-REORDERED: a
# collector applies each producer's batches in their order, whatever order
# the stream holds them in (resends and redeliveries arrive late).
#
# One real nats-server. Producer 1's batches are in the stream in reverse
# within every block of 8; producer 2's too, and its batch 5 never comes.
# - A collector (ordered, the default) holds producer 1's stats exactly as
#   published, and gives up on producer 2's gap (said) after two AckWaits.
# - A collector taking messages as they come (--shared-durable) gets other
#   pairing figures for producer 1: the scrambled order does matter.
set -eu

cli=$1
gen=$2
reorder=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pids=""
cleanup () {
  for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
  stop_node n1 KILL
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
. "$here/test-nats-common.sh"

per=3000
read -r port <<< "$(free_ports 1)"
write_node_conf n1 "$port" ""
start_node n1
url="nats://127.0.0.1:$port"
make_trace 1 $per 21
make_trace 2 $per 22

ok=0
for _ in $(seq 1 40); do
  if "$cli" publish -q --nats "$url" --subject actorscope.test.init --stream EV /dev/null \
       2>> "$tmp/init.err"; then ok=1; break; fi
  sleep 0.25
done
[ $ok = 1 ] || { echo "FAIL: the server never took the stream"; cat "$tmp/init.err"; exit 1; }

fail=0
n1=$("$reorder" "$url" actorscope.test.h1 p1 "$tmp/p1.ndjson" 200) || { echo "FAIL: publishing p1"; exit 1; }
n2=$("$reorder" "$url" actorscope.test.h2 p2 "$tmp/p2.ndjson" 200 5) || { echo "FAIL: publishing p2"; exit 1; }
echo "published $n1 + $n2 lines, batches reversed in blocks of 8, p2's batch 5 left out"

collector () {   # collector NAME [OPTION...]
  "$cli" serve -p 0 -q --nats "$url" --stream EV --durable "$1" --subjects "${SUBJ:-actorscope.test.>}" \
    "${@:2}" --data-dir "$tmp/$1" > "$tmp/$1.out" 2> "$tmp/$1.err" &
  pids="$pids $!"
  eval "pid_$1=$!"
}
stop_collector () {
  p=$(eval echo "\$pid_$1")
  kill -TERM "$p"; wait "$p" || { echo "FAIL: collector $1 exit status"; fail=1; }
}

collector ordered
SUBJ=actorscope.test.h1 collector asitcomes --shared-durable
# Each trace's header line is an event-less record: n - 1 events each.
expected=$((n1 - 1 + n2 - 1))
wait_events "$tmp/ordered" "$expected" 30 \
  || { echo "FAIL: the ordered collector holds $(events_in "$tmp/ordered") events, not $expected"; fail=1; }
wait_events "$tmp/asitcomes" $((n1 - 1)) 10 || { echo "FAIL: the second collector is short"; fail=1; }
sleep 0.5
stop_collector ordered
stop_collector asitcomes

grep -q 'producer p2: batch(es) 5 to 5 did not come in time; going on' "$tmp/ordered.err" \
  || { echo "FAIL: the gap of p2 was not reported"; cat "$tmp/ordered.err"; fail=1; }
if grep -q 'producer p1:' "$tmp/ordered.err"; then
  echo "FAIL: p1 has no gap, yet one was reported"; cat "$tmp/ordered.err"; fail=1
fi

# Producer 1 alone: its stats from the collectors (actors under /p1).
"$cli" convert "$tmp/ordered" -o "$tmp/ordered.ndjson"
grep -v '"/p2' "$tmp/ordered.ndjson" > "$tmp/ordered-p1.ndjson"
stats_json "$tmp/p1.ndjson" > "$tmp/expected.json"
stats_json "$tmp/ordered-p1.ndjson" > "$tmp/ordered.json"
if ! diff -u "$tmp/expected.json" "$tmp/ordered.json" > "$tmp/ordered.diff"; then
  echo "FAIL: the ordered collector's stats of p1 differ from what was published"
  head -30 "$tmp/ordered.diff"
  order_report "$tmp/ordered.ndjson" 1
  fail=1
fi
stats_json "$tmp/asitcomes" > "$tmp/asitcomes.json"
if diff -q "$tmp/expected.json" "$tmp/asitcomes.json" > /dev/null; then
  echo "FAIL: taken in the stream's order, p1's stats are unchanged: the test shows nothing"
  fail=1
fi
if [ $fail = 0 ]; then
  echo "ok: batches put back in producer order, a missing batch skipped and reported"
fi
exit $fail

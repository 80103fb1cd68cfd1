#!/bin/bash
# test-nats-consumers.sh ACTORSCOPE ACTORSCOPE-GEN: durable consumers.
#
# One real nats-server (JetStream, loopback port, private store dir), two
# producers, one of them sending a line that is not JSON.
# - Two collectors with their own durable consumers (team A, team B) each
#   see the whole stream: both data directories give the stats of what was
#   published, and the bad line is counted (skipped) and reported with its
#   subject and stream sequence.
# - Two collectors sharing one durable name split the stream: each gets a
#   part, together exactly everything, no event in both.
# - --since: a fresh consumer starting in the future of the stream gets
#   nothing; bad credentials stop the service with an error.
set -eu

cli=$1
gen=$2
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

per=10000
read -r p1 <<< "$(free_ports 1)"
write_node_conf n1 "$p1" ""
start_node n1
url="nats://127.0.0.1:$p1"
make_trace 1 $per 21 & g1=$!
make_trace 2 $per 22 & g2=$!
wait $g1 $g2   # not a bare wait: the server runs in the background too
# A line that is not JSON in the middle of producer 2.
python3 - "$tmp/p2.ndjson" <<'PY'
import sys
lines = open(sys.argv[1]).readlines()
lines.insert(len(lines) // 2, "this is not json\n")
open(sys.argv[1], "w").writelines(lines)
PY
{ cat "$tmp/p1.ndjson"; tail -n +2 "$tmp/p2.ndjson"; } > "$tmp/all.ndjson"

collector () {   # collector NAME DURABLE [OPTION...]
  "$cli" serve -p 0 --nats "$url" --stream EV --durable "$2" "${@:3}" \
    --data-dir "$tmp/$1" > "$tmp/$1.out" 2> "$tmp/$1.err" &
  pids="$pids $!"
  eval "pid_$1=$!"
}
stop_collector () {
  p=$(eval echo "\$pid_$1")
  kill -TERM "$p"; wait "$p" || { echo "FAIL: collector $1 exit status"; fail=1; }
}

fail=0
collector shared1 shared --shared-durable
collector shared2 shared --shared-durable
sleep 1
for n in 1 2; do
  "$cli" publish -q --nats "$url" --subject "actorscope.test.h$n" --stream EV --batch-lines 200 \
    "$tmp/p$n.ndjson" || { echo "FAIL: producer $n"; fail=1; }
done
expected=$((2 * per))
collector teamA a
collector teamB b

for c in teamA teamB; do
  wait_events "$tmp/$c" "$expected" 20 || { echo "FAIL: $c holds $(events_in "$tmp/$c") events"; fail=1; }
done
end=$(( $(date +%s) + 20 ))
while [ $(( $(events_in "$tmp/shared1") + $(events_in "$tmp/shared2") )) -lt "$expected" ] \
      && [ "$(date +%s)" -le "$end" ]; do sleep 0.3; done
sleep 0.5
for c in teamA teamB shared1 shared2; do stop_collector $c; done

stats_json "$tmp/all.ndjson" > "$tmp/expected.json"
for c in teamA teamB; do
  stats_json "$tmp/$c" > "$tmp/$c.json"
  diff -u "$tmp/expected.json" "$tmp/$c.json" > "$tmp/$c.diff" \
    || { echo "FAIL: $c's stats differ"; head -30 "$tmp/$c.diff"; fail=1; }
  grep -q 'nats:actorscope.test.h2#[0-9]*:[0-9]*:[0-9]*:' "$tmp/$c.err" \
    || { echo "FAIL: $c did not report the bad line with subject and sequence"; cat "$tmp/$c.err"; fail=1; }
done

s1=$(events_in "$tmp/shared1"); s2=$(events_in "$tmp/shared2")
echo "shared durable: $s1 + $s2 events"
[ "$s1" -gt 0 ] && [ "$s2" -gt 0 ] || { echo "FAIL: one of the shared collectors got nothing"; fail=1; }
[ $((s1 + s2)) -eq "$expected" ] || { echo "FAIL: shared collectors hold $((s1 + s2)), not $expected"; fail=1; }
# By stream sequence (each collector's journal lists the messages it
# stored): no message in both, together every message team A stored.
python3 - "$tmp/shared1/nats-EV-shared.journal" "$tmp/shared2/nats-EV-shared.journal" \
    "$tmp/teamA/nats-EV-a.journal" <<'PY' || { echo "FAIL: the shared durable did not split the stream exactly"; fail=1; }
import sys
def seqs(path):
    return [int(l.split()[0]) for l in open(path) if l[0].isdigit()]
s1, s2, whole = seqs(sys.argv[1]), seqs(sys.argv[2]), seqs(sys.argv[3])
both = set(s1) & set(s2)
print("shared durable: %d + %d messages of %d, %d in both" % (len(s1), len(s2), len(whole), len(both)))
sys.exit(0 if not both and sorted(s1 + s2) == sorted(whole) and len(set(whole)) == len(whole) else 1)
PY

# --since: a new consumer starting a second ago sees nothing of the (older) stream.
collector late late --since 1s
sleep 2
stop_collector late
[ "$(events_in "$tmp/late")" -eq 0 ] || { echo "FAIL: --since 0s took old events"; fail=1; }

if [ $fail = 0 ]; then echo "ok: separate durables see everything, a shared one splits it"; fi
exit $fail

#!/bin/sh
# test-chromium-trace.sh: a real Chromium startup trace (Debian's chromium,
# --trace-startup with the toplevel.flow and mojom categories) must come out
# as a readable graph of processes and threads exchanging messages; the
# Perfetto protobuf Chromium writes by default gives the same threads and
# flows; other binary data is refused with one clear error.
#   test-chromium-trace.sh ACTORSCOPE
set -eu
cli=$1
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "chromium is not installed: skipped"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

record() { # record FORMAT FILE
  # The flags keep chromium off the network (see DEVELOPERS' guide); the page
  # makes a little cross-process traffic.
  timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile-$1" \
    --trace-startup=toplevel,toplevel.flow,mojom,ipc --trace-startup-format="$1" \
    --trace-startup-file="$2" --trace-startup-duration=2 \
    --dump-dom 'data:text/html,<title>t</title><h1>actorscope</h1>' \
    >/dev/null 2>"$tmp/chromium-$1.log" || true
  [ -s "$2" ] || { echo "chromium wrote no trace:"; tail -5 "$tmp/chromium-$1.log"; exit 1; }
}

record json "$tmp/startup.json"
"$cli" stats --strict --json --expand-threads "$tmp/startup.json" >"$tmp/stats.json"

# Facts a reader of the graph relies on, checked with python's json module.
python3 - "$tmp/stats.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
actors = s["actors"]
edges = s["edges"]
threads = [a for a in actors if a.get("kind") == "thread"]
named = [a for a in threads if not a["name"].startswith("(tid") and "tid" in a["name"]]
cross = [e for e in edges if e["from"] != e["to"]]
msgs = sum(e.get("messages", e.get("count", 0)) for e in edges)
print(f"{len(actors)} actors, {len(threads)} threads ({len(named)} named), "
      f"{len(cross)} cross-thread edges, {msgs} messages")
assert len(threads) >= 8, "too few threads"
assert len(named) == len(threads), "threads without their metadata names"
assert any(a["name"].startswith("CrBrowserMain") for a in threads), "no browser main thread"
assert len(cross) >= 10, "too few cross-thread flows"
assert msgs >= 100, "too few messages"
EOF

# Every view draws, as valid SVG within the size bound, one lane or node
# per thread (folded into their processes, a run may have only 5 to 10).
for view in graph sequence timeline; do
  "$cli" export --strict --expand-threads "$tmp/startup.json" --view "$view" -o "$tmp/$view.svg"
  size=$(wc -c <"$tmp/$view.svg")
  [ "$size" -lt 2500000 ] || { echo "$view SVG too large: $size bytes"; exit 1; }
  if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$tmp/$view.svg"
  fi
  n=$(grep -o 'class="actor"' "$tmp/$view.svg" | wc -l)
  [ "$n" -ge 8 ] || { echo "$view shows only $n actors"; exit 1; }
done

# The default (protobuf) output of a similar run: the same threads and the
# same thread-to-thread flows as the JSON trace (a different run, so tids
# differ: compared by thread name).
record proto "$tmp/startup.pftrace"
"$cli" stats --strict --json --expand-threads "$tmp/startup.pftrace" >"$tmp/stats-proto.json"
"$cli" stats --strict --json --format perfetto "$tmp/startup.pftrace" >/dev/null
python3 - "$tmp/stats.json" "$tmp/stats-proto.json" <<'EOF'
import json, re, sys
def base(name):
    return re.sub(r" \(tid \d+(, pid \d+)?\)$", "", name)
def facts(path):
    s = json.load(open(path))
    threads = {base(a["name"]) for a in s["actors"] if a.get("kind") == "thread"}
    pairs = {}
    for e in s["edges"]:
        if e["from"] != e["to"]:
            k = (base(e["from"]), base(e["to"]))
            pairs[k] = pairs.get(k, 0) + e["count"]
    return s, threads, pairs
js, jthreads, jpairs = facts(sys.argv[1])
ps, pthreads, ppairs = facts(sys.argv[2])
assert ps["format"] == "perfetto", ps["format"]
busy = {k for k, v in jpairs.items() if v >= 5}
print(f"proto: {len(pthreads)} thread names ({len(jthreads & pthreads)} of the JSON's {len(jthreads)}), "
      f"{len(ppairs)} thread pairs with flows ({len(busy & set(ppairs))} of the JSON's {len(busy)} busy ones), "
      f"{sum(ppairs.values())} cross-thread messages")
assert "CrBrowserMain" in pthreads, "no browser main thread"
assert len(jthreads & pthreads) >= 0.8 * len(jthreads), "threads of the JSON trace missing"
assert len(busy & set(ppairs)) >= 0.8 * len(busy), "flows of the JSON trace missing"
assert sum(ppairs.values()) >= 100, "too few messages"
assert ps["records"]["skipped"] == 0
EOF
"$cli" export --strict --expand-threads "$tmp/startup.pftrace" --view graph -o "$tmp/proto-graph.svg"
n=$(grep -o 'class="actor"' "$tmp/proto-graph.svg" | wc -l)
[ "$n" -ge 8 ] || { echo "the protobuf graph shows only $n actors"; exit 1; }
# By default the threads fold into their processes: fewer nodes, at least
# the browser and a renderer.
"$cli" export --strict "$tmp/startup.pftrace" --view graph -o "$tmp/proto-folded.svg"
nf=$(grep -o 'class="actor"' "$tmp/proto-folded.svg" | wc -l)
[ "$nf" -ge 2 ] && [ "$nf" -lt "$n" ] || { echo "the folded protobuf graph shows $nf actors (expanded $n)"; exit 1; }

# Binary data that is not a Perfetto trace: one clear error, exit 1, no flood.
{ printf '\001\002\003'; head -c 4096 /dev/urandom; } >"$tmp/junk.bin"
if "$cli" stats "$tmp/junk.bin" >"$tmp/out.txt" 2>"$tmp/err.txt"; then
  echo "binary junk was accepted"; exit 1
fi
grep -q "binary data" "$tmp/err.txt" || { cat "$tmp/err.txt"; exit 1; }
[ "$(wc -l <"$tmp/err.txt")" -le 2 ] || { echo "too many error lines"; head "$tmp/err.txt"; exit 1; }
echo "ok"

#!/bin/sh
# Records a Node.js trace-events file of a main thread and two workers
# exchanging postMessage()s (three each way per worker), with the machine's
# node:  tests/record/record-node-trace.sh OUT.json
# data/traces/node-workers.trace.json was recorded so (node 20).
set -eu
out=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/workers.js" <<'JS'
const { Worker, isMainThread, parentPort } = require('node:worker_threads');
if (isMainThread) {
  const ws = [new Worker(__filename), new Worker(__filename)];
  let n = 0;
  for (const w of ws) {
    w.on('message', () => { if (++n === 6) for (const x of ws) x.terminate(); });
    for (let i = 0; i < 3; i++) w.postMessage({ i });
  }
} else {
  parentPort.on('message', (m) => parentPort.postMessage({ back: m.i }));
}
JS
(cd "$dir" && node --trace-event-categories node,node.async_hooks,node.perf,v8 \
  --trace-event-file-pattern 'trace.json' workers.js)
cp "$dir/trace.json" "$out"

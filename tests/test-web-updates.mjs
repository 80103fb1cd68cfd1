// The negotiation of update messages on /live (web/PROTOCOL.md, hello):
// while one graph of fixed structure keeps changing its figures,
//  - a protocol-1 client that never declares anything gets whole frames only;
//  - a client whose hello lists "update" in "accepts" gets updates, each
//    with the seq it counted (frames taken before the hello included);
//  - the older form /live?updates=1 still gets them;
//  - a hello whose "accepts" leaves "update" out turns them off again;
//  - a malformed "accepts" is a bad-field error that changes nothing;
//  - a client's `pace` spaces its frames (and a bad one is refused).
//   node tests/test-web-updates.mjs BUILD/app/actorscope
import net from 'node:net';
import { check, sleep, until, startServe, stopServe, openWs } from './web-common.mjs';

const cli = process.argv[2];
if (!cli) throw new Error('usage: test-web-updates.mjs ACTORSCOPE');
const T0 = 1767225600000000000n;
const ev = (ms, o) => JSON.stringify({ ts: String(T0 + BigInt(ms) * 1000000n), ...o }).replace(/"ts":"(\d+)"/, '"ts":$1') + '\n';

const s = await startServe(cli, ['--listen', 'tcp://127.0.0.1:0', '-q']);
const VIEW = { v: 1, type: 'view', kind: 'graph', follow: true, window_s: 3600, width: 900, height: 600 };
const wsUrl = (path) => s.base.replace('http:', 'ws:') + path.replace(/^\//, '');
let ok = false;
try {
  await run();
  ok = true;
} finally {
  const code = await stopServe(s);
  if (ok) check(code === 0, 'serve exits 0 on SIGTERM');
}
console.log('all update negotiation checks passed');

function ofType(ws, ...types) {
  return ws.messages.map((m) => JSON.parse(m)).filter((m) => types.includes(m.type));
}

// seq of every update is the count of frames and updates received so far,
// itself included (what the page checks before applying one).
function seqsConsistent(ws) {
  let n = 0;
  for (const m of ofType(ws, 'frame', 'update')) {
    n++;
    if (m.type === 'update' && m.seq !== n) return false;
  }
  return true;
}

async function run() {
  const port = Number(s.producers[0].split(':').pop());
  const tcp = net.connect(port, '127.0.0.1');
  await new Promise((r) => tcp.on('connect', r));
  // Three actors talking in a ring: the graph's structure never changes,
  // its counts do with every batch.
  let t = 0, id = 1;
  const names = ['alpha', 'beta', 'gamma'];
  function batch() {
    let text = '';
    for (let k = 0; k < 30; k++, id++, t += 3) {
      const from = names[id % 3], to = names[(id + 1) % 3];
      text += ev(t, { ev: 'send', from, to, id, label: 'Tick' });
      text += ev(t + 1, { ev: 'receive', actor: to, id });
      text += ev(t + 2, { ev: 'done', actor: to, id });
    }
    tcp.write(text);
  }
  tcp.write('{"actorscope":1}\n');
  batch();

  const old = await openWs(wsUrl('/live'));
  const declared = await openWs(wsUrl('/live'));
  const legacy = await openWs(wsUrl('/live?updates=1'));
  const late = await openWs(wsUrl('/live'));
  for (const ws of [old, declared, legacy, late])
    await until(() => ofType(ws, 'hello').length === 1, 'hello on connect');
  check(ofType(old, 'hello')[0].updates === false && ofType(old, 'hello')[0].protocol === 1,
        'the hello on connect says protocol 1, updates false');
  check(ofType(legacy, 'hello')[0].updates === true, 'the hello on connect of /live?updates=1 says updates true');

  declared.send(JSON.stringify({ v: 1, type: 'hello', accepts: ['update', 'something-later'] }));
  await until(() => ofType(declared, 'hello').length === 2, 'hello reply');
  check(ofType(declared, 'hello')[1].updates === true, 'a hello accepting "update" is answered updates true (unknown names ignored)');
  for (const ws of [old, declared, legacy, late]) ws.send(JSON.stringify(VIEW));
  await until(() => ofType(late, 'frame').length >= 1, 'a first frame for the late client');

  // The late client declares after it counted frames.
  late.send(JSON.stringify({ v: 1, type: 'hello', accepts: ['update'] }));
  await until(() => ofType(late, 'hello').length === 2, 'late hello reply');

  const t0 = Date.now();
  while (Date.now() - t0 < 3000) {
    batch();
    await sleep(50);
  }
  await until(() => ofType(declared, 'update').length >= 3 && ofType(late, 'update').length >= 3 &&
                    ofType(legacy, 'update').length >= 3, 'updates for the clients that asked', 15000);
  const nOld = ofType(old, 'frame').length;
  check(nOld >= 5 && ofType(old, 'update').length === 0,
        `a client that never declared gets whole frames only (${nOld} frames, 0 updates)`);
  for (const [name, ws] of [['hello accepts', declared], ['?updates=1', legacy], ['hello after frames', late]])
    check(seqsConsistent(ws), `${name}: ${ofType(ws, 'update').length} updates, ` +
          `${ofType(ws, 'frame').length} frames, every update's seq is the count the client kept`);

  // Turned off again: whole frames from the next one on.
  declared.send(JSON.stringify({ v: 1, type: 'hello', accepts: [] }));
  await until(() => ofType(declared, 'hello').length === 3, 'hello reply (off)');
  check(ofType(declared, 'hello')[2].updates === false, 'a hello without "update" is answered updates false');
  const mark = declared.messages.length;
  const t1 = Date.now();
  while (Date.now() - t1 < 1500) {
    batch();
    await sleep(50);
  }
  await until(() => declared.messages.slice(mark).filter((m) => m.startsWith('{"type":"frame"')).length >= 3, 'frames after off');
  check(!declared.messages.slice(mark).some((m) => m.startsWith('{"type":"update"')), 'no update after updates were turned off');

  // Malformed declarations change nothing.
  for (const accepts of ['update', [1], Array(17).fill('update')])
    legacy.send(JSON.stringify({ v: 1, type: 'hello', accepts }));
  await until(() => ofType(legacy, 'error').length === 3, 'three errors');
  check(ofType(legacy, 'error').every((e) => e.code === 'bad-field' && /accepts/.test(e.message)),
        'a malformed "accepts" is a bad-field error naming it');
  check(ofType(legacy, 'hello').length === 1, 'and gets no hello');

  // A client that says it can use 2 frames a second gets no more; a bad
  // pace is a bad-field error.
  old.send(JSON.stringify({ v: 1, type: 'pace', fps: 2 }));
  old.send(JSON.stringify({ v: 1, type: 'pace', fps: 0 }));
  await until(() => ofType(old, 'error').length === 1, 'an error for fps 0');
  check(ofType(old, 'error')[0].code === 'bad-field' && /fps/.test(ofType(old, 'error')[0].message),
        'a pace of 0 is a bad-field error naming fps');
  await sleep(600); // a frame already under way may still come
  const paceMark = ofType(old, 'frame').length, paceAt = Date.now();
  while (Date.now() - paceAt < 2500) {
    batch();
    await sleep(50);
  }
  const paced = ofType(old, 'frame').length - paceMark, secs = (Date.now() - paceAt) / 1000;
  check(paced >= 2 && paced <= Math.ceil(secs * 2) + 1,
        `a client pacing itself to 2 frames/s gets ${paced} frames in ${secs.toFixed(1)} s`);
  for (const ws of [old, declared, legacy, late]) ws.close();
  tcp.end();
}

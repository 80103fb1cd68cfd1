// Hostile values over the wire against the real `actorscope serve` (issue
// 11, round two): a /live filter too expensive to match is refused quickly
// with an error that says so, and the service keeps serving frames; trace
// times at the ends of the accepted range (from a TCP producer, and one
// line per connection) don't crash the activity overview or the views.
//   node tests/test-web-limits.mjs BUILD/app/actorscope
import net from 'node:net';
import { check, until, startServe, stopServe, openWs } from './web-common.mjs';

const cli = process.argv[2];
if (!cli) throw new Error('usage: test-web-limits.mjs ACTORSCOPE');

const MIN = '-9223372036854775808';
const MAX = '9223372036854775807';

function frames(ws) {
  return ws.messages.filter((m) => m.startsWith('{"type":"frame"')).map((m) => JSON.parse(m));
}
function replies(ws, type) {
  return ws.messages.filter((m) => !m.startsWith('{"type":"frame"')).map((m) => JSON.parse(m)).filter((m) => m.type === type);
}
function send(port, text) {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => c.end(text));
    c.on('close', resolve);
    c.on('error', reject);
  });
}
// A fresh frame after now: the service is alive and drawing.
async function nextFrame(ws, what) {
  const n = frames(ws).length;
  ws.send(JSON.stringify({ v: 1, type: 'view', zoom: 1 + Math.random() }));
  await until(() => frames(ws).length > n, what, 15000);
  return frames(ws).at(-1);
}

// A /live client looking at view (a frame follows each view message).
async function openLive(url, view = {}) {
  const ws = await openWs(url);
  ws.send(JSON.stringify({ v: 1, type: 'view', kind: 'graph', follow: true, ...view }));
  return ws;
}

async function withServe(fn) {
  const s = await startServe(cli, ['--listen', 'tcp://127.0.0.1:0', '-q']);
  let ok = false;
  // A crash would otherwise leave the test waiting on a socket that never answers.
  const died = (code, signal) => {
    console.log(`not ok - serve died (exit ${code}, signal ${signal}):\n${s.stderr().slice(-2000)}`);
    process.exit(1);
  };
  s.proc.on('exit', died);
  try {
    await fn(s, Number(s.producers[0].split(':').pop()), s.base.replace('http:', 'ws:') + 'live');
    ok = true;
  } finally {
    s.proc.off('exit', died);
    const code = await stopServe(s);
    if (ok) check(code === 0, 'serve exits 0 on SIGTERM');
  }
}

// `a` x 200 names: /^(a|aa)+$/ backtracks exponentially on each.
async function expensiveFilter() {
  await withServe(async (s, port, url) => {
    const run = 'a'.repeat(200);
    let text = '';
    for (let i = 0; i < 200; i++)
      text += JSON.stringify({ ts: 1000 + i, ev: 'send', actor: run + 'b' + i, to: run + 'b' + ((i + 1) % 200), id: 'm' + i }) + '\n';
    await send(port, text);
    const ws = await openLive(url);
    await until(() => frames(ws).some((f) => f.events >= 200), 'the 200 messages in a frame');
    for (const kind of ['graph', 'sequence', 'timeline']) {
      for (const follow of [true, false]) {
        ws.messages.length = 0;
        const t0 = Date.now();
        const view = { v: 1, type: 'view', kind, filter: '/^(a|aa)+$/', follow };
        if (!follow) Object.assign(view, { from_ms: 0, to_ms: 1 });
        ws.send(JSON.stringify(view));
        const err = await until(() => replies(ws, 'error')[0], kind + ' view error', 15000);
        const ms = Date.now() - t0;
        check(/^filter too expensive \(\/\^\(a\|aa\)\+\$\/ /.test(err.message), `${kind} (follow ${follow}): error says why: ${err.message}`);
        check(ms < 3000, `${kind} (follow ${follow}): refused in ${ms} ms`);
        // hit on the failing view: answered (an error), quickly
        const t1 = Date.now();
        ws.send(JSON.stringify({ v: 1, type: 'hit', x: 10, y: 10 }));
        await until(() => replies(ws, 'error').length > 1 || replies(ws, 'details').length > 0, kind + ' hit answer', 15000);
        check(Date.now() - t1 < 3000, `${kind}: hit answered in ${Date.now() - t1} ms`);
      }
    }
    // an ordinary filter draws again
    ws.messages.length = 0;
    ws.send(JSON.stringify({ v: 1, type: 'view', kind: 'graph', filter: '/b1[0-9]$/', follow: true }));
    await until(() => frames(ws).length > 0, 'a frame with an ordinary filter');
    const other = await openLive(url);
    await until(() => frames(other).length > 0, 'another client served');
    other.close();
    ws.close();
  });
  console.log('ok - expensive filters refused quickly, the service goes on');
}

// The two extreme lines: one producer, then one per connection.
async function extremeTimes(perConnection) {
  await withServe(async (s, port, url) => {
    const ws = await openLive(url);
    const views = [];
    for (const kind of ['graph', 'sequence', 'timeline'])
      views.push(await openLive(url, { kind, window_s: 10 }));
    const lines = [`{"ts":${MIN},"ev":"mark","text":"a"}\n`, `{"ts":${MAX},"ev":"mark","text":"b"}\n`,
      `{"ts":${MIN},"ev":"send","actor":"x","to":"y","id":"1"}\n`, `{"ts":${MAX},"ev":"recv","actor":"y","id":"1"}\n`];
    if (perConnection) {
      for (const l of lines) await send(port, l);
    } else {
      await send(port, lines.join(''));
    }
    await until(() => frames(ws).some((f) => f.events >= 4), 'the extreme events in a frame', 15000);
    const f = await nextFrame(ws, 'a frame after the extreme events');
    check(f.overview && f.overview.bins.length <= 240, 'overview bounded: ' + f.overview.bins.length + ' bins');
    for (const c of views) await nextFrame(c, 'views keep drawing');
    // paused views over the whole range (the widest from_ms/to_ms allowed)
    for (const kind of ['graph', 'sequence', 'timeline']) {
      ws.messages.length = 0;
      ws.send(JSON.stringify({ v: 1, type: 'view', kind, follow: false, from_ms: -9.2e12, to_ms: 9.2e12 }));
      await until(() => frames(ws).length > 0 || replies(ws, 'error').length > 0, kind + ' over the whole range', 15000);
      check(frames(ws).length > 0, kind + ' over the whole range: a frame, not ' + JSON.stringify(replies(ws, 'error')));
    }
    await send(port, '{"ts":5,"ev":"mark","text":"c"}\n');
    await nextFrame(ws, 'still serving after more data');
    for (const c of views) c.close();
    ws.close();
  });
  console.log('ok - extreme times' + (perConnection ? ' (one line per connection)' : '') + ': the service goes on');
}

await expensiveFilter();
await extremeTimes(false);
await extremeTimes(true);
console.log('all limits checks passed');

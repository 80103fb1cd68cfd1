// Integration test of `actorscope serve` over the wire, with node's `ws`:
// producers over TCP (partial lines across writes) and a unix socket, /live
// frames with the expected actors and edges, the frame cap, control-message
// errors, details, /events from a sequence number, /ingest (native NDJSON
// and the real xstate + @statelyai/inspect packages), Origin and client
// limits, message size, and --record then --replay giving the same events.
//   node tests/test-web-live.mjs BUILD/app/actorscope
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { require, tempDir, check, sleep, until, startServe, stopServe, openWs } from './web-common.mjs';

const cli = process.argv[2];
if (!cli) throw new Error('usage: test-web-live.mjs ACTORSCOPE');
const dir = tempDir('live');
const sock = join(dir, 'producers.sock');
const record = join(dir, 'record.ndjson');
const T0 = 1767225600000000000n;
const ev = (ms, o) => JSON.stringify({ ts: String(T0 + BigInt(ms) * 1000000n), ...o }).replace(/"ts":"(\d+)"/, '"ts":$1') + '\n';

const s = await startServe(cli, ['--listen', 'tcp://127.0.0.1:0', '--listen', 'unix:' + sock,
  '--record', record, '--max-clients', '4', '--max-message-bytes', '65536', '-q']);
const wsUrl = (path) => s.base.replace('http:', 'ws:') + path.replace(/^\//, '');
let ok = false;
try {
  await run();
  ok = true;
} finally {
  const code = await stopServe(s);
  if (ok) check(code === 0, 'serve exits 0 on SIGTERM');
}
await replayTest();
await tokenTest();
console.log('all live checks passed');

function lastFrame(ws) {
  for (let i = ws.messages.length - 1; i >= 0; i--)
    if (ws.messages[i].startsWith('{"type":"frame"')) return JSON.parse(ws.messages[i]);
  return null;
}
function replies(ws, type) {
  return ws.messages.filter((m) => !m.startsWith('{"type":"frame"')).map((m) => JSON.parse(m)).filter((m) => m.type === type);
}

// Listening sockets on PORT from /proc/net/tcp{,6}: [[family, local hex address]].
function listeners(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found = [];
  for (const fam of ['tcp', 'tcp6']) {
    let text = '';
    try { text = readFileSync('/proc/net/' + fam, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 3 && f[3] === '0A' && f[1].endsWith(':' + hexPort)) found.push([fam, f[1].split(':')[0]]);
    }
  }
  return found;
}

async function run() {
  // lws ignores an IPv4 iface while its IPv6 support is on and then listens
  // on every interface: the page and websockets must be bound to loopback
  // only (127.0.0.1 = 0100007F in /proc/net/tcp).
  const bound = listeners(s.port);
  check(bound.length === 1 && bound[0][0] === 'tcp' && bound[0][1] === '0100007F',
    'the service listens on 127.0.0.1 only (' + JSON.stringify(bound) + ')');
  check(s.producers.length === 2 && /^tcp:\/\/127\.0\.0\.1:\d+$/.test(s.producers[0]), 'producer addresses printed (' + s.producers.join(', ') + ')');
  const live = await openWs(wsUrl('/live'));
  await until(() => replies(live, 'hello').length === 1, 'hello');
  check(replies(live, 'hello')[0].protocol === 1 && replies(live, 'hello')[0].v === 1, 'hello names protocol 1');
  live.send(JSON.stringify({ v: 1, type: 'view', kind: 'graph', follow: true, window_s: 3600, width: 900, height: 600 }));

  // TCP producer: a header and events, lines split across writes.
  const port = Number(s.producers[0].split(':').pop());
  const tcp = net.connect(port, '127.0.0.1');
  await new Promise((r) => tcp.on('connect', r));
  let text = '{"actorscope":1}\n';
  for (let i = 0; i < 50; i++) {
    text += ev(i * 10, { ev: 'send', from: 'alpha', to: 'beta', id: i + 1, label: 'Ping' });
    text += ev(i * 10 + 2, { ev: 'receive', actor: 'beta', id: i + 1 });
    text += ev(i * 10 + 5, { ev: 'done', actor: 'beta', id: i + 1 });
  }
  for (let k = 0; k < text.length; k += 77) { tcp.write(text.slice(k, k + 77)); await sleep(1); }
  // Unix producer.
  const ux = net.connect(sock);
  await new Promise((r) => ux.on('connect', r));
  ux.write('{"actorscope":1}\n' + ev(600, { ev: 'send', from: 'gamma', to: 'alpha', id: 1, label: 'Hello <b>' }) +
           ev(601, { ev: 'receive', actor: 'alpha', id: 1 }));
  const f1 = await until(() => {
    const f = lastFrame(live);
    return f && /data-id="alpha"/.test(f.svg) && /data-id="beta"/.test(f.svg) && /data-id="gamma"/.test(f.svg) ? f : null;
  }, 'frame with alpha, beta, gamma');
  check(/class="edge"[^>]*data-from="alpha" data-to="beta"/.test(f1.svg), 'frame has the alpha -> beta edge');
  check(/class="edge"[^>]*data-from="gamma" data-to="alpha"/.test(f1.svg), 'frame has the gamma -> alpha edge');
  check(f1.actors.some((a) => a.name === 'beta' && a.received === 50), 'actor table: beta received 50');
  check(f1.view.kind === 'graph' && f1.size.width > 0, 'frame carries its view and size');
  check(!/<b>/.test(f1.svg), 'trace markup is escaped in frames');

  // At most ~10 frames/s while data keeps changing.
  const before = live.messages.length;
  const t0 = Date.now();
  let n = 1000;
  while (Date.now() - t0 < 2000) {
    tcp.write(ev(n, { ev: 'mark', actor: 'alpha', text: 'tick' }));
    n++;
    await sleep(10);
  }
  const frames = live.messages.slice(before).filter((m) => m.startsWith('{"type":"frame"')).length;
  check(frames >= 5 && frames <= 23, 'frames capped near 10/s while data changes (' + frames + ' in 2 s)');
  check(!live.messages.some((m) => m.startsWith('{"type":"update"')), 'whole frames only for a client that did not ask for updates');

  // Control messages: errors for malformed and unknown ones.
  const errs0 = replies(live, 'error').length;
  live.send('not json');
  live.send(JSON.stringify({ v: 2, type: 'view' }));
  live.send(JSON.stringify({ v: 1, type: 'fly' }));
  live.send(JSON.stringify({ v: 1, type: 'view', kind: 'pie' }));
  await until(() => replies(live, 'error').length >= errs0 + 4, 'four error replies');
  const codes = replies(live, 'error').slice(errs0).map((e) => e.code);
  check(JSON.stringify(codes) === JSON.stringify(['bad-json', 'bad-version', 'unknown-type', 'bad-field']),
        'errors coded bad-json, bad-version, unknown-type, bad-field (' + codes.join(',') + ')');

  // Details by the SVG's semantic ids.
  const edgeId = /class="edge" data-id="(e\d+-\d+)" data-from="alpha" data-to="beta"/.exec(lastFrame(live).svg)[1];
  live.send(JSON.stringify({ v: 1, type: 'details', class: 'actor', id: 'beta' }));
  live.send(JSON.stringify({ v: 1, type: 'details', class: 'edge', id: edgeId }));
  live.send(JSON.stringify({ v: 1, type: 'details', class: 'message', id: '1' }));
  live.send(JSON.stringify({ v: 1, type: 'details', class: 'actor', id: 'nobody' }));
  await until(() => replies(live, 'details').length >= 3, 'details replies');
  const [da, de, dm] = replies(live, 'details').map((d) => d.details);
  check(da.class === 'actor' && da.name === 'beta' && da.received === 50 && da.processed === 50, 'actor details of beta');
  check(de.class === 'edge' && de.from === 'alpha' && de.to === 'beta' && de.count === 50 && de.top_label === 'Ping',
        'edge details of ' + edgeId);
  check(dm.class === 'message' && dm.from === 'alpha' && dm.to === 'beta' && Math.abs(dm.mailbox_ms - 2) < 1e-6 &&
        Math.abs(dm.processing_ms - 3) < 1e-6, 'message details with mailbox 2 ms and processing 3 ms');
  await until(() => replies(live, 'error').some((e) => e.code === 'not-found'), 'not-found for an unknown actor');

  // /events from a sequence number.
  const all = await openWs(wsUrl('/events?from=0'));
  // Every event written: the ticks may still be in flight under load, so a
  // frame taken now can count fewer than /events then sends.
  const evCount = 150 + 2 + (n - 1000);
  await until(() => lastFrame(live).events === evCount, 'a frame counting all ' + evCount + ' events', 30000);
  const evLines = (w) => w.messages.join('').split('\n').filter((l) => l.startsWith('{"ts"'));
  await until(() => evLines(all).length >= evCount, '/events from 0');
  const head = all.messages.join('').split('\n');
  check(head[0] === '{"actorscope":1}' && head.some((l) => l.startsWith('{"ev":"actor","actor":"beta"')),
        '/events starts with the version header and actor declarations');
  const lines = evLines(all);
  check(lines.length === evCount, '/events?from=0 sends every event (' + evCount + ')');
  const from = await openWs(wsUrl('/events?from=100'));
  await until(() => evLines(from).length >= evCount - 100, '/events from 100');
  const fl = evLines(from);
  check(fl[0] === lines[100] && fl.length === lines.length - 100, '/events?from=100 replays exactly from event 100');
  tcp.write(ev(5000, { ev: 'send', from: 'beta', to: 'alpha', id: 9001, label: 'Late' }));
  await until(() => from.messages.join('').includes('"Late"'), '/events follows new events');
  all.close(); from.close();

  // /ingest: native NDJSON over a websocket (no trailing newline needed).
  const ing = await openWs(wsUrl('/ingest'));
  ing.send('{"actorscope":1}\n' + ev(7000, { ev: 'send', from: 'delta', to: 'beta', id: 1, label: 'FromWs' }).trim());
  ing.send('{"ts": 1, "ev": "send", "from": oops}');
  await until(() => /data-id="delta"/.test(lastFrame(live).svg), '/ingest event shown');
  await until(() => replies(ing, 'error').length > 0, '/ingest error reply');
  const ie = replies(ing, 'error')[0].message;
  check(/^ws:ingest#\d+:3:\d+: /.test(ie), '/ingest malformed line: error names source, line, column (' + ie + ')');
  ing.close();

  // XState v5 actors through @statelyai/inspect's websocket inspector.
  await xstateTest(live);

  // A client that stops reading: the others keep their frame rate, and
  // when it reads again it gets the newest frame, not a backlog (one
  // pending frame per client, newest wins): the server's memory stays put.
  const stalled = await openWs(wsUrl('/live'));
  stalled.send(JSON.stringify({ v: 1, type: 'view', kind: 'sequence', follow: true, window_s: 3600 }));
  await until(() => lastFrame(stalled), 'stalled client first frame');
  stalled._socket.pause();
  const rssKb = () => Number((/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/' + s.proc.pid + '/status', 'utf8')) || [])[1]);
  const rss0 = rssKb();
  const others0 = live.messages.length;
  const tStall = Date.now();
  while (Date.now() - tStall < 3000) {
    let chunk = '';
    for (let k = 0; k < 20; k++, n++) chunk += ev(n, { ev: 'send', from: 'alpha', to: 'beta', id: 100000 + n, label: 'Bulk ' + 'x'.repeat(200) });
    tcp.write(chunk);
    await sleep(20);
  }
  const othersFrames = live.messages.slice(others0).filter((m) => m.startsWith('{"type":"frame"')).length;
  check(othersFrames >= 15, 'other clients keep their frames while one stalls (' + othersFrames + ' in 3 s)');
  const rss1 = rssKb();
  check(rss1 - rss0 < 64 * 1024, 'server memory bounded with a stalled client (+' + Math.round((rss1 - rss0) / 1024) + ' MiB)');
  const stalledBefore = stalled.messages.length;
  const newest = lastFrame(live).events;
  stalled._socket.resume();
  await until(() => { const f = lastFrame(stalled); return f && f.events >= newest; }, 'resumed client catches up', 10000);
  const after = stalled.messages.slice(stalledBefore).filter((m) => m.startsWith('{"type":"frame"')).map((m) => JSON.parse(m));
  // (What the kernel's socket buffers held still arrives; the server kept
  // at most one frame for it.)
  check(after[after.length - 1].events >= newest, 'resumed client is current (newest frame wins)');
  stalled.close();

  // Origin check and limits.
  await openWs(wsUrl('/live'), { origin: 'http://evil.example' }).then(
    () => check(false, 'foreign origin refused'), (e) => check(/403/.test(e.message), 'foreign Origin refused with 403'));
  // DNS rebinding: a page whose own name now points at 127.0.0.1 is
  // same-origin with itself; without a token only loopback Hosts get in.
  await openWs(wsUrl('/live'), { headers: { Host: 'rebound.example:80' }, origin: 'http://rebound.example:80' }).then(
    (w) => { w.close(); check(false, 'non-loopback Host refused'); },
    (e) => check(/403/.test(e.message), 'non-loopback Host refused with 403 (no token)'));
  const extra = [];
  let refused = null;
  for (let i = 0; i < 5 && !refused; i++)
    await openWs(wsUrl('/live')).then((w) => extra.push(w), (e) => { refused = e; });
  check(refused && /503/.test(refused.message) && extra.length === 3, 'client limit 4: fifth /live refused with 503');
  for (const w of extra) w.close();
  const big = await until(async () => openWs(wsUrl('/live')).catch(() => null), 'a slot after closing');
  const closed = new Promise((r) => big.on('close', (code) => r(code)));
  big.send('x'.repeat(70000));
  const code = await closed;
  check(code === 1009 && replies(big, 'error').some((e) => e.code === 'too-big'), 'message over the bound: too-big error and close 1009');

  // /events messages stay bounded when the actor declarations alone are
  // larger than one message, and no event comes before its actors.
  let wide = '';
  for (let i = 0; i < 1500; i++)
    wide += ev(6000 + i, { ev: 'send', from: 'w'.repeat(120) + i, to: 'beta', id: 30000 + i, label: 'Wide' });
  tcp.write(wide);
  const evs = await openWs(wsUrl('/events?from=0'));
  await until(() => evs.messages.join('').includes('"id":"31499"'), '/events carries 1500 wide actors');
  const evText = evs.messages.join('').split('\n');
  const declared = new Set();
  let orderOk = true;
  for (const l of evText) {
    if (l.startsWith('{"ev":"actor"')) declared.add(JSON.parse(l).actor);
    else if (l.startsWith('{"ts"')) { const e = JSON.parse(l); if ((e.from && !declared.has(e.from)) || (e.to && !declared.has(e.to))) orderOk = false; }
  }
  check(evs.messages.length > 1 && Math.max(...evs.messages.map((m) => m.length)) < 140 * 1024 && orderOk,
        '/events: declarations split over bounded messages, each actor declared before its events');
  evs.close();
  live.close(); tcp.end(); ux.end();
  await sleep(300);
}

async function xstateTest(live) {
  const { createMachine, createActor, sendTo, assign } = require('xstate');
  const { createWebSocketInspector } = require('@statelyai/inspect');
  const log = console.log;
  console.log = () => {}; // the inspector logs "websocket open"
  const inspector = createWebSocketInspector({ url: wsUrl('/ingest') });
  inspector.start();
  const pong = createMachine({ id: 'ponger', on: { PING: { actions: sendTo(({ event }) => event.from, { type: 'PONG' }) } } });
  const ping = createMachine({
    id: 'pinger', context: { n: 0 },
    invoke: { id: 'ponger', src: pong },
    entry: sendTo('ponger', ({ self }) => ({ type: 'PING', from: self })),
    on: { PONG: { actions: [assign({ n: ({ context }) => context.n + 1 }),
      sendTo('ponger', ({ self }) => ({ type: 'PING', from: self }))], guard: ({ context }) => context.n < 5 } },
  });
  const actor = createActor(ping, { inspect: inspector.inspect });
  actor.start();
  try {
    // The actors reach a frame before their messages do (the inspector sends
    // @xstate.actor first): wait for the frame that shows the flows too, and
    // for the ponger's PINGs, so a loaded machine can't catch a frame between.
    const flows = (svg) => /data-from="\/pinger" data-to="\/pinger\/ponger"/.test(svg)
      || /data-from="\/pinger\/ponger" data-to="\/pinger"/.test(svg);
    const f = await until(() => {
      const fr = lastFrame(live);
      if (!fr || !/data-id="\/pinger"/.test(fr.svg) || !/data-id="\/pinger\/ponger"/.test(fr.svg) || !flows(fr.svg))
        return null;
      const r = fr.actors.find((a) => a.name === '/pinger/ponger');
      return r && r.received >= 5 ? fr : null;
    }, 'XState actors and their PING/PONG flows in a frame', 30000);
    check(flows(f.svg), 'XState PING/PONG flows between /pinger and /pinger/ponger');
    const row = f.actors.find((a) => a.name === '/pinger/ponger');
    check(row && row.received >= 5, 'XState ponger received its PINGs (' + (row && row.received) + ')');
  } finally {
    actor.stop();
    inspector.stop();
    console.log = log;
  }
}

async function replayTest() {
  const rec = readFileSync(record, 'utf8').split('\n').filter(Boolean);
  check(rec.length > 300 && rec[0].startsWith('{"actorscope"'), '--record wrote the accepted events (' + rec.length + ' lines)');
  const r = await startServe(cli, ['--replay', record, '--speed', '0', '-q']);
  try {
    const evs = await openWs(r.base.replace('http:', 'ws:') + 'events?from=0');
    const recEvents = rec.filter((l) => l.startsWith('{"ts"'));
    const evLines = () => evs.messages.join('').split('\n').filter((l) => l.startsWith('{"ts"'));
    await until(() => evLines().length >= recEvents.length, 'replayed events');
    await sleep(300);
    // Replay plays events in time order; live producers sent some out of
    // order (the "Late" event), so compare the events, not their order.
    const lines = evLines().sort();
    const want = [...recEvents].sort();
    check(lines.length === want.length && lines.every((l, i) => l === want[i]),
          '--record then --replay gives the same ' + lines.length + ' events, byte for byte');
    evs.close();
  } finally {
    await stopServe(r);
  }
}

// A service with --token: every request and upgrade needs it (query once,
// then the cookie), and static files can't escape web/static.
async function tokenTest() {
  const http = await import('node:http');
  const get = (url, headers = {}) => new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    }).on('error', reject);
  });
  const t = await startServe(cli, ['--token', 's3cret', '-q']);
  try {
    check(t.url.endsWith('?token=s3cret'), 'printed URL carries the token');
    check((await get(t.base)).status === 401, 'no token: 401');
    check((await get(t.base + '?token=wrong')).status === 401, 'wrong token: 401');
    const ok = await get(t.base + '?token=s3cret');
    check(ok.status === 200 && /actorscope/.test(ok.body), 'right token: the page');
    const cookie = (ok.headers['set-cookie'] || [''])[0].split(';')[0];
    check(/^actorscope_token=s3cret$/.test(cookie) && /HttpOnly/.test(ok.headers['set-cookie'][0]), 'token kept in an HttpOnly cookie');
    check((await get(t.base + 'app.js', { cookie })).status === 200, 'cookie admits the page assets');
    check(/script-src 'self'/.test(ok.headers['content-security-policy'] || ''), 'page served with a CSP');
    for (const bad of ['..%2f..%2f..%2fetc%2fpasswd', '%2e%2e/%2e%2e/etc/passwd', '../../../../etc/passwd'])
      {
        const r = await get(t.base + bad, { cookie });
        check(r.status >= 400 && !/root:/.test(r.body), 'traversal ' + bad + ' refused (' + r.status + ')');
      }
    const base = t.base.replace('http:', 'ws:');
    await openWs(base + 'live').then(() => check(false, 'ws without token refused'),
      (e) => check(/401/.test(e.message), 'websocket without token: 401'));
    const w1 = await openWs(base + 'live?token=s3cret');
    check(true, 'websocket with ?token= accepted');
    w1.close();
    const w2 = await openWs(base + 'events', { headers: { cookie } });
    check(true, 'websocket with the cookie accepted');
    w2.close();
    const w3 = await openWs(base + 'ingest', { headers: { authorization: 'Bearer s3cret' } });
    check(true, 'websocket with a bearer token accepted');
    w3.close();
  } finally {
    await stopServe(t);
  }
}

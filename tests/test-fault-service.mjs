// Faults against the real `actorscope serve` process: producers that
// disconnect mid-line, flood, send one byte a second, send one endless line
// or exceed the producer limit; websocket clients that stop reading,
// disconnect mid-frame, open hundreds of connections, send garbage frames,
// oversized / binary / invalid UTF-8 messages, or flood control messages
// (`hit` included: rate-limited). Each fault gets a fresh service; during
// each, a well-behaved probe (a /live client and a TCP producer) must keep
// being served, and the service's peak RSS (VmHWM) is printed and checked
// against a generous bound over the scenario's baseline.
//   node tests/test-fault-service.mjs BUILD/app/actorscope [SCENARIO...]
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { check, sleep, until, startServe, stopServe, openWs } from './web-common.mjs';

const cli = process.argv[2];
if (!cli) throw new Error('usage: test-fault-service.mjs ACTORSCOPE [SCENARIO...]');
const only = process.argv.slice(3);
const MiB = 1024;                          // /proc figures are in kB
const T0 = BigInt(Date.now()) * 1000000n;  // data times near now: follow windows see them
const ev = (ns, o) => '{"ts":' + (T0 + BigInt(ns)).toString() + ',' + JSON.stringify(o).slice(1) + '\n';
const figures = [];

// ---- the service and its process ------------------------------------------

function procStatus(pid, key) {
  const m = new RegExp('^' + key + ':\\s+(\\d+)', 'm').exec(readFileSync('/proc/' + pid + '/status', 'utf8'));
  return m ? Number(m[1]) : NaN;
}
function cpuSeconds(pid) {
  const f = readFileSync('/proc/' + pid + '/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

async function service(extra = []) {
  const s = await startServe(cli, ['--listen', 'tcp://127.0.0.1:0', '-q', ...extra]);
  s.ws = (path) => s.base.replace('http:', 'ws:') + path.replace(/^\//, '');
  s.tcpPort = Number(s.producers[0].split(':').pop());
  return s;
}

function tcpConnect(port) {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    c.received = '';
    c.on('data', (d) => { c.received += d; });
    c.on('connect', () => resolve(c));
    c.on('error', reject);
  });
}
const closed = (sock) => new Promise((r) => { if (sock.destroyed || sock.readableEnded) r(); else sock.on('close', r); });

function frames(ws) { return ws.messages.filter((m) => m.startsWith('{"type":"frame"')); }
function lastFrame(ws) {
  for (let i = ws.messages.length - 1; i >= 0; i--)
    if (ws.messages[i].startsWith('{"type":"frame"')) return JSON.parse(ws.messages[i]);
  return null;
}
function replies(ws, type) {
  return ws.messages.filter((m) => !m.startsWith('{"type":"frame"')).map((m) => JSON.parse(m)).filter((m) => m.type === type);
}

// The probe: a /live client following a graph and a TCP producer sending one
// message every 200 ms from probe-a to probe-b. alive() waits until a frame
// counts every probe message sent so far (probe-a's `sent`): the service took the producer's
// data and pushed it to the client.
async function startProbe(s) {
  const p = { sent: 0, live: await openWs(s.ws('/live')), tcp: await tcpConnect(s.tcpPort), stop: false };
  p.live.send(JSON.stringify({ v: 1, type: 'view', kind: 'graph', follow: true, window_s: 3600, width: 900, height: 600 }));
  p.tcp.write('{"actorscope":1}\n');
  const tick = () => {
    if (p.stop) return;
    p.sent++;
    p.tcp.write(ev(p.sent * 1000, { ev: 'send', from: 'probe-a', to: 'probe-b', id: 1e9 + p.sent, label: 'Probe' }));
    p.timer = setTimeout(tick, 200);
  };
  tick();
  p.received = () => {
    const f = lastFrame(p.live);
    const row = f && f.actors.find((a) => a.name === 'probe-a');
    return row ? row.sent : 0;
  };
  p.alive = async (what, timeoutMs = 30000) => {
    const want = p.sent, t0 = Date.now();
    await until(() => p.received() >= want, 'probe served during ' + what, timeoutMs);
    return Date.now() - t0;
  };
  p.close = () => { p.stop = true; clearTimeout(p.timer); p.live.close(); p.tcp.end(); };
  await p.alive('start');
  return p;
}

// Runs one fault: a fresh service, the probe, a baseline of VmHWM once the
// probe is served, the fault, the probe served again, the peak checked.
async function scenario(name, extra, boundMiB, body) {
  if (only.length && !only.includes(name)) return;
  console.log('# ---- ' + name);
  const s = await service(extra);
  // The service dying mid-fault fails at once (stopServe drops this).
  s.proc.on('exit', (code, sig) => {
    process.stderr.write(s.stderr());
    console.log('not ok - ' + name + ': the service died (' + (sig || code) + ')');
    process.exit(1);
  });
  let ok = false;
  try {
    const probe = await startProbe(s);
    await sleep(300);
    const base = procStatus(s.proc.pid, 'VmHWM');
    const cpu0 = cpuSeconds(s.proc.pid);
    const framesBefore = frames(probe.live).length;
    const t0 = Date.now();
    const bound = await body(s, probe, base);
    const ms = await probe.alive('after ' + name);
    check(ms < 30000, name + ': probe client and producer still served (' + ms + ' ms after the fault)');
    const secs = (Date.now() - t0) / 1000;
    const peak = procStatus(s.proc.pid, 'VmHWM');
    // Under AddressSanitizer freed blocks wait in its quarantine (256 MiB
    // by default) before reuse, so peak RSS there says little: the bound
    // gets that much more. Seen from the process's own mappings (gcc links
    // libasan.so) or its executable (clang links the runtime in).
    const sanitized = readFileSync('/proc/' + s.proc.pid + '/maps', 'utf8').includes('libasan') ||
                      readFileSync(cli).includes('__asan_init');
    const limit = base + ((bound ?? boundMiB) + (sanitized ? 512 : 0)) * MiB;
    const fig = { name, sanitized, baseMiB: +(base / MiB).toFixed(1), peakMiB: +(peak / MiB).toFixed(1),
                  cpuS: +(cpuSeconds(s.proc.pid) - cpu0).toFixed(1), seconds: +secs.toFixed(1),
                  probeFps: +((frames(probe.live).length - framesBefore) / secs).toFixed(1) };
    figures.push(fig);
    console.log('# figures: ' + JSON.stringify(fig));
    check(peak <= limit, name + ': peak RSS ' + fig.peakMiB + ' MiB within ' + (limit / MiB).toFixed(0) +
          ' MiB (baseline ' + fig.baseMiB + ' MiB + ' + Math.round((limit - base) / MiB) + ')');
    probe.close();
    ok = true;
  } finally {
    const code = await stopServe(s);
    if (ok) check(code === 0, name + ': service exits 0 on SIGTERM (no crash)');
    else process.stderr.write(s.stderr());
  }
}

// ---- a raw websocket client (for what `ws` refuses to send) --------------

function rawWs(port, path) {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0), upgraded = false;
    c.on('error', () => {});
    c.on('connect', () => c.write('GET ' + path + ' HTTP/1.1\r\nHost: 127.0.0.1:' + port + '\r\nUpgrade: websocket\r\n' +
                                  'Connection: Upgrade\r\nSec-WebSocket-Key: ' + randomBytes(16).toString('base64') +
                                  '\r\nSec-WebSocket-Version: 13\r\n\r\n'));
    c.bytes = 0;
    c.on('data', (d) => {
      c.bytes += d.length;
      if (upgraded) return;
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      upgraded = true;
      const head = buf.slice(0, end).toString();
      c.bytes = buf.length - end - 4;
      if (!/^HTTP\/1\.1 101/.test(head)) { c.destroy(); reject(new Error('upgrade refused: ' + head.split('\r\n')[0])); return; }
      resolve(c);
    });
    c.on('close', () => { if (!upgraded) reject(new Error('closed before upgrade')); });
  });
}
// One frame: opcode, payload; masked unless told otherwise.
function frame(opcode, payload, { fin = true, mask = true, rsv = 0, declared } = {}) {
  payload = Buffer.from(payload);
  const len = declared ?? payload.length;
  const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode)];
  if (len < 126) head.push((mask ? 0x80 : 0) | len);
  else if (len < 65536) head.push((mask ? 0x80 : 0) | 126, len >> 8, len & 255);
  else { head.push((mask ? 0x80 : 0) | 127); const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(len)); head.push(...b); }
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const out = Buffer.from(payload);
  for (let i = 0; i < out.length; i++) out[i] ^= key[i & 3];
  return Buffer.concat([Buffer.from(head), key, out]);
}

// Opens /live clients until one is refused; returns [accepted, refusal].
async function fillClients(s, max) {
  const got = [];
  for (let i = 0; i < max; i++) {
    try { got.push(await openWs(s.ws('/live'))); } catch (e) { return [got, e]; }
  }
  return [got, null];
}

// ---- producers ------------------------------------------------------------

await scenario('producer-mid-line', [], 64, async (s, probe) => {
  // A: three whole lines and half of a fourth, then a reset (RST).
  const a = await tcpConnect(s.tcpPort);
  a.write('{"actorscope":1}\n' + ev(1, { ev: 'send', from: 'cut-a', to: 'cut-b', id: 501, label: 'Whole' }) +
          ev(2, { ev: 'send', from: 'cut-a', to: 'cut-b', id: 502, label: 'Whole' }) +
          ev(3, { ev: 'send', from: 'cut-a', to: 'cut-b', id: 503, label: 'Whole' }) +
          ev(4, { ev: 'send', from: 'cut-a', to: 'cut-b', id: 504, label: 'Cut' }).slice(0, 40));
  // B: half a line, closed cleanly (FIN); C: the other half, on its own.
  const line = ev(5, { ev: 'send', from: 'glue-a', to: 'glue-b', id: 601, label: 'Glued' });
  const b = await tcpConnect(s.tcpPort);
  b.write(line.slice(0, 30));
  const c = await tcpConnect(s.tcpPort);
  await sleep(300);
  a.resetAndDestroy();
  b.end();
  await closed(b);
  c.write(line.slice(30));
  c.end();
  // D: a websocket producer sends a whole message, then the first fragment
  // of another and goes away.
  const d = await openWs(s.ws('/ingest'));
  d.send(ev(6, { ev: 'send', from: 'ws-a', to: 'ws-b', id: 701, label: 'WsWhole' }));
  d.send(ev(7, { ev: 'send', from: 'ws-a', to: 'ws-b', id: 702, label: 'WsCut' }).slice(0, 20), { fin: false });
  await sleep(300);
  d._socket.destroy();
  await until(() => /disconnected in the middle of a message/.test(s.stderr()), 'ws mid-message report');

  const evs = await openWs(s.ws('/events?from=0'));
  await until(() => evs.messages.join('').includes('"WsWhole"'), '/events with the whole lines');
  await sleep(500);
  const lines = evs.messages.join('').split('\n').filter((l) => l.startsWith('{"ts"')).map((l) => JSON.parse(l));
  const ids = lines.map((e) => Number(e.id));
  check([501, 502, 503, 701].every((i) => ids.includes(i)), 'whole lines before the cut are kept (501-503, 701)');
  check(!ids.includes(504) && !ids.includes(702), 'the cut line and the cut ws message are dropped');
  check(!ids.includes(601) && !lines.some((e) => /glue|Glued/.test(JSON.stringify(e))),
        'halves from two producers are never glued into one record');
  const err = s.stderr();
  check(/tcp:127\.0\.0\.1:\d+: connection lost in the middle of line 5 \(\d+ bytes/.test(err),
        'reset mid-line reported with its line number');
  check(/producer closed in the middle of line 1 \(30 bytes/.test(err), 'clean close mid-line reported');
  check((err.match(/skipped a malformed record/g) || []).length >= 3,
        'the cut line and both halves are reported as skipped records');
  check(/ws:ingest#\d+: disconnected in the middle of a message \(20 bytes/.test(err), 'ws producer cut mid-message reported');
  evs.close();
});

await scenario('producer-flood', [], 0, async (s, probe, base) => {
  // 4 TCP and 2 websocket producers send as fast as the service takes
  // (TCP backpressure: write until the socket buffer is full, then wait),
  // for 5 s or 100k events each: the store keeps every event, and a CI
  // machine under the sanitizers must hold them (~600 bytes each there).
  const SECONDS = 5, EACH = 100000;
  const deadline = Date.now() + SECONDS * 1000;
  let sent = 0;
  const tcpFlood = async (j) => {
    const c = await tcpConnect(s.tcpPort);
    c.write('{"actorscope":1}\n');
    for (let k = 0; Date.now() < deadline && k < EACH; ) {
      let chunk = '';
      for (let i = 0; i < 500; i++, k++)
        chunk += ev(k * 1000, { ev: 'send', from: 'flood' + j, to: 'sink' + (k % 7), id: j * 1e8 + k, label: 'Flood' });
      sent += 500;
      if (!c.write(chunk)) await new Promise((r) => c.once('drain', r));
    }
    c.end();
    await closed(c);
  };
  const wsFlood = async (j) => {
    const w = await openWs(s.ws('/ingest'));
    for (let k = 0; Date.now() < deadline && k < EACH; ) {
      let chunk = '';
      for (let i = 0; i < 200; i++, k++)
        chunk += ev(k * 1000, { ev: 'send', from: 'flood' + j, to: 'sink' + (k % 7), id: j * 1e8 + k, label: 'Flood' });
      sent += 200;
      w.send(chunk);
      while (w.bufferedAmount > 1 << 20) await sleep(5);
    }
    await new Promise((r) => { w.on('close', r); w.close(); });
  };
  const alive = (async () => { await sleep(2000); return probe.alive('the flood'); })();
  await Promise.all([0, 1, 2, 3].map(tcpFlood).concat([4, 5].map(wsFlood)));
  console.log('# flood sent ' + sent + ' events');
  const during = await alive;
  check(during < 30000, 'producer-flood: probe served while the flood runs (' + during + ' ms)');
  // Every accepted event is in /events: the flood's and the probe's.
  await until(() => { const f = lastFrame(probe.live); return f && f.events >= sent; }, 'store holds the flood', 60000);
  // (Counted without parsing: a million events must not cost the test
  // minutes; /events sends whole lines only.)
  const evs = await openWs(s.ws('/events?from=0'), { perMessageDeflate: false });
  let n = 0;
  evs.on('message', (d) => { n += d.toString().split('"label":"Flood"').length - 1; });
  await until(() => n >= sent, '/events carries the whole flood (' + sent + ')', 120000);
  await sleep(300);
  check(n === sent, 'producer-flood: all ' + sent + ' flood events accepted and in /events, exactly once each (' + n + ')');
  evs.close();
  // The store keeps every event; nothing else may grow: a generous
  // 512 bytes per event (a flood event is ~110 bytes of NDJSON) plus 96 MiB.
  const peak = procStatus(s.proc.pid, 'VmHWM');
  console.log('# flood: ' + sent + ' events, ' + ((peak - base) * 1024 / sent).toFixed(0) + ' bytes of peak RSS per event');
  return 96 + Math.ceil(sent / 2048);
});

await scenario('producer-slow', ['--max-producers', '64'], 64, async (s, probe) => {
  // 50 TCP producers and 10 websocket producers (raw frames) each send one
  // byte a second; the service's threads and memory must not follow.
  const threads0 = procStatus(s.proc.pid, 'Threads');
  const tcp = [], ws = [];
  const text = (j) => ev(j, { ev: 'send', from: 'slow' + j, to: 'slow-sink', id: 2e9 + j, label: 'Slow' });
  for (let j = 0; j < 50; j++) tcp.push(await tcpConnect(s.tcpPort));
  for (let j = 0; j < 10; j++) ws.push(await rawWs(s.port, '/ingest'));
  const wsFrames = ws.map((_, i) => frame(1, text(100 + i)));
  for (let sec = 0; sec < 6; sec++) {
    tcp.forEach((c, j) => c.write(text(j).slice(sec, sec + 1)));
    ws.forEach((c, i) => c.write(wsFrames[i].slice(sec, sec + 1)));
    await sleep(1000);
  }
  const threads1 = procStatus(s.proc.pid, 'Threads');
  check(threads1 <= threads0 + 2, 'producer-slow: no thread per producer or byte (' + threads0 + ' -> ' + threads1 + ' threads)');
  const during = await probe.alive('slow producers');
  check(during < 30000, 'producer-slow: probe served while 60 producers trickle (' + during + ' ms)');
  // The rest arrives at once: the kept bytes make whole records.
  tcp.forEach((c, j) => c.end(text(j).slice(6)));
  ws.forEach((c, i) => c.end(wsFrames[i].slice(6)));
  await until(() => { const f = lastFrame(probe.live); return f && f.actors.filter((a) => /^slow\d+$/.test(a.name) && a.sent === 1).length === 60; },
              'the 60 slow records', 30000).then(() => check(true, 'producer-slow: all 60 trickled records accepted whole'));
});

await scenario('producer-endless-line', ['--max-line-bytes', '65536', '--max-message-bytes', '262144'], 64, async (s, probe) => {
  // 64 MiB without a newline, then a newline and a good line.
  const c = await tcpConnect(s.tcpPort);
  c.write('{"actorscope":1}\n{"ts":1,"ev":"mark","actor":"endless","text":"');
  const mb = 'x'.repeat(1 << 20);
  for (let i = 0; i < 64; i++) if (!c.write(mb)) await new Promise((r) => c.once('drain', r));
  c.write('"}\n' + ev(1, { ev: 'send', from: 'after-endless', to: 'x', id: 801, label: 'After' }));
  await until(() => /line longer than 65536 bytes/.test(c.received), 'error line back to the producer');
  check(/^error: tcp:127\.0\.0\.1:\d+:2:65537: line longer than 65536 bytes/.test(c.received),
        'endless TCP line: the producer is told (' + c.received.trim().slice(0, 90) + ')');
  await until(() => lastFrame(probe.live) && lastFrame(probe.live).actors.some((a) => a.name === 'after-endless'),
              'the line after the endless one accepted');
  check(!lastFrame(probe.live).actors.some((a) => a.name === 'endless'), 'the endless line is dropped, the next one kept');
  // The same over /ingest: one message that never ends (fragments) hits
  // the message bound: too-big and close 1009.
  const w = await openWs(s.ws('/ingest'));
  const code = new Promise((r) => w.on('close', (k) => r(k)));
  for (let i = 0; i < 8 && w.readyState === 1; i++) { w.send('x'.repeat(65536), { fin: false }); await sleep(20); }
  check(await code === 1009 && replies(w, 'error').some((e) => e.code === 'too-big'), 'endless ws message: too-big and close 1009');
  c.end();
});

await scenario('producer-limit', ['--max-producers', '8'], 64, async (s, probe) => {
  // The probe holds one TCP slot: 7 more, then refusals.
  const held = [];
  for (let j = 0; j < 7; j++) held.push(await tcpConnect(s.tcpPort));
  await sleep(200);
  const extra = await tcpConnect(s.tcpPort);
  await closed(extra);
  check(/^error: too many producers \(limit 8\)/.test(extra.received), 'ninth TCP producer told "too many producers" and closed');
  const ws = [];
  let refused = null;
  for (let j = 0; j < 9 && !refused; j++) await openWs(s.ws('/ingest')).then((w) => ws.push(w), (e) => { refused = e; });
  check(ws.length === 8 && refused && /503/.test(refused.message), '/ingest: eight accepted, ninth refused with 503');
  // Slots come back when producers leave.
  held[0].end(); ws[0].close();
  await closed(held[0]);
  const again = await until(async () => { const c = await tcpConnect(s.tcpPort); await sleep(300); if (c.received) { c.destroy(); return null; } return c; }, 'a TCP slot after one left');
  again.write(ev(1, { ev: 'send', from: 'late-producer', to: 'x', id: 901, label: 'Late' }));
  await until(() => lastFrame(probe.live).actors.some((a) => a.name === 'late-producer'), 'late producer accepted');
  const w2 = await until(() => openWs(s.ws('/ingest')).catch(() => null), 'a websocket producer slot after one left');
  check(true, 'producer slots are given back (TCP and /ingest)');
  for (const c of held) c.destroy();
  again.destroy();
  for (const w of ws) w.terminate();
  w2.close();
});

// ---- websocket clients ------------------------------------------------------

// Wide actors make frames of a few hundred KB.
async function bigData(s, n = 400) {
  const c = await tcpConnect(s.tcpPort);
  let t = '{"actorscope":1}\n';
  for (let i = 0; i < n; i++) t += ev(i, { ev: 'send', from: 'wide-' + 'w'.repeat(60) + i, to: 'hub-' + (i % 40), id: 3e9 + i, label: 'Wide ' + 'l'.repeat(80) });
  c.end(t);
  await closed(c);
}

await scenario('client-stops-reading', ['--max-clients', '64'], 160, async (s, probe) => {
  await bigData(s, 100);
  // 20 /live clients with one large view (uncompressed, so their socket
  // buffers fill after a few frames) and 5 /events clients stop reading.
  const stalled = [];
  for (let i = 0; i < 20; i++) {
    const w = await openWs(s.ws('/live'), { perMessageDeflate: false });
    w.send(JSON.stringify({ v: 1, type: 'view', kind: 'sequence', follow: true, window_s: 3600, width: 1600, height: 1200 }));
    stalled.push(w);
  }
  for (let i = 0; i < 5; i++) stalled.push(await openWs(s.ws('/events?from=0'), { perMessageDeflate: false }));
  await until(() => stalled.every((w) => w.messages.length > 1), 'stalled clients got something first');
  for (const w of stalled) w._socket.pause();
  console.log('# stalled clients\' frames: ' + Math.round(lastFrame(stalled[0]).svg.length / 1024) + ' KiB of SVG');
  // Data keeps changing for 6 s: every paused client's frames are replaced,
  // never queued.
  const c = await tcpConnect(s.tcpPort);
  const f0 = frames(probe.live).length, t0 = Date.now();
  for (let n = 0; Date.now() - t0 < 6000; n++) {
    let chunk = '';
    for (let k = 0; k < 50; k++) chunk += ev(1e6 + n * 100 + k, { ev: 'send', from: 'wide-' + 'w'.repeat(60) + (k * 7 % 100), to: 'hub-' + (k % 40), id: 4e9 + n * 100 + k, label: 'Bulk ' + 'x'.repeat(200) });
    c.write(chunk);
    await sleep(20);
  }
  const fps = (frames(probe.live).length - f0) / ((Date.now() - t0) / 1000);
  // ~5-7 frames/s on a loaded 2-core machine (10 is the cap), ~1 under the
  // sanitizers; before stalled clients stopped costing renderings it was
  // 0.2 (one frame in 6 s). Generous: at least 3 frames in the 6 s.
  check(frames(probe.live).length - f0 >= 3, 'client-stops-reading: the probe keeps its frames (' + fps.toFixed(1) + ' frames/s, cap 10)');
  for (const w of stalled) w.terminate();
  c.end();
});

await scenario('client-disconnects-mid-frame', ['--max-clients', '16'], 96, async (s, probe) => {
  await bigData(s);
  // Raw clients read part of a large frame, then drop the TCP connection.
  // Each costs the service a full rendering of the large view (~0.8 s of
  // CPU, ~1.4 s under the sanitizers): ten, half reset and half closed, leave
  // the slot count below as wrong as thirty would if one leaked.
  const CUT = 10;
  let cut = 0;
  for (let i = 0; i < CUT; i++) {
    const r = await rawWs(s.port, '/live');
    r.write(frame(1, JSON.stringify({ v: 1, type: 'view', kind: 'sequence', follow: true, window_s: 3600, width: 1800, height: 1200 })));
    await until(() => r.bytes > 4096, 'part of a frame', 20000);
    (i % 2 ? r.destroy() : r.resetAndDestroy());
    cut++;
  }
  check(cut === CUT, 'client-disconnects-mid-frame: ' + CUT + ' clients dropped in the middle of a large frame');
  // Clients that go away in the middle of sending: a frame header that
  // promises 100 KB, half of it; the first fragment of a message.
  for (let i = 0; i < 10; i++) {
    const r = await rawWs(s.port, i % 2 ? '/live' : '/ingest');
    const f = frame(1, 'x'.repeat(100000));
    r.write(f.slice(0, 50000));
    r.write(frame(1, '{"v":1,', { fin: false }));
    await sleep(50);
    r.resetAndDestroy();
  }
  for (let i = 0; i < 10; i++) {
    const r = await rawWs(s.port, '/live');
    r.write(frame(1, '{"v":1,"type":', { fin: false }));
    r.write(frame(0, '"ping"'.slice(0, 3), { fin: false }));
    await sleep(50);
    r.destroy();
  }
  // Nothing leaked: every slot but the probe's is free again.
  const [got, refusal] = await until(async () => {
    const [g, e] = await fillClients(s, 16);
    if (g.length === 15 && e) return [g, e];
    for (const w of g) w.terminate();
    await sleep(500);
    return null;
  }, 'all client slots free again', 30000);
  check(got.length === 15 && /503/.test(refusal.message), 'client count back to the probe alone: 15 more accepted, the 16th refused');
  for (const w of got) w.terminate();
});

await scenario('client-hundreds', ['--max-clients', '40'], 128, async (s, probe) => {
  // 300 /live and /events upgrades at once: 39 fit next to the probe.
  const tries = await Promise.all(Array.from({ length: 300 }, (_, i) =>
    openWs(s.ws(i % 3 ? '/live' : '/events?from=0')).then((w) => ({ w }), (e) => ({ e }))));
  const ok = tries.filter((t) => t.w), refused = tries.filter((t) => t.e);
  check(ok.length === 39, 'client-hundreds: 39 of 300 accepted next to the probe (limit 40) (' + ok.length + ')');
  check(refused.every((t) => /503/.test(t.e.message)), 'the other ' + refused.length + ' refused cleanly with HTTP 503');
  const during = await probe.alive('300 connection attempts');
  check(during < 30000, 'probe served with 40 clients connected');
  for (const t of ok) t.w.terminate();
  // 300 TCP connections that never say anything (not websockets yet).
  const idle = await Promise.all(Array.from({ length: 300 }, () => tcpConnect(s.port)));
  const during2 = await probe.alive('300 idle connections');
  check(during2 < 30000, 'probe served with 300 idle TCP connections open');
  for (const c of idle) c.destroy();
  // Everything is given back: the limit counts from the probe again.
  const [got, refusal] = await until(async () => {
    const [g, e] = await fillClients(s, 40);
    if (g.length === 39 && e) return [g, e];
    for (const w of g) w.terminate();
    await sleep(500);
    return null;
  }, 'all client slots free again', 30000);
  check(got.length === 39 && /503/.test(refusal.message), 'after they left: 39 new clients accepted, the 40th refused (count back to 1)');
  for (const w of got) w.terminate();
});

await scenario('client-garbage', ['--max-message-bytes', '65536'], 64, async (s, probe) => {
  const ends = async (r, what) => { await until(() => r.destroyed || r.readableEnded, what + ': connection closed', 15000); check(true, 'garbage: ' + what + ' -> closed'); };
  // Broken websocket framing: each closes its connection only.
  // lws 4.1 reads an unmasked client frame like a masked one (RFC 6455
  // wants a close; masking protects proxies, not this server): answered.
  {
    const r = await rawWs(s.port, '/live');
    const hello = r.bytes;
    r.write(frame(1, '{"v":1,"type":"ping"}', { mask: false }));
    await until(() => r.bytes > hello || r.destroyed || r.readableEnded, 'unmasked frame answered or closed', 15000);
    check(true, 'garbage: an unmasked client frame -> answered or closed (lws 4.1 reads it)');
    r.destroy();
  }
  // Random bytes whose first frame header already breaks the protocol
  // (RSV bits without an extension, or a reserved opcode): about 1 draw in
  // 20 is a valid header whose declared length lws then waits for, which
  // made this check time out now and then.
  const randomGarbage = () => {
    for (;;) {
      const b = randomBytes(4096);
      const op = b[0] & 0x0f;
      if ((b[0] & 0x70) !== 0 || (op > 2 && op < 8) || op > 10) return b;
    }
  };
  const bad = [
    ['random bytes', randomGarbage()],
    ['a reserved opcode', frame(3, 'abc')],
    ['RSV bits without an extension', frame(1, 'abc', { rsv: 7 })],
    ['a 200-byte ping (control frames are <= 125)', frame(9, 'p'.repeat(200))],
    ['a continuation without a start', frame(0, 'abc')],
    ['a fragmented ping', frame(9, 'abc', { fin: false })],
    ['a frame claiming 2^62 bytes', frame(1, 'x'.repeat(1000), { declared: 2 ** 62 })],
  ];
  // All at once: lws closes most of them only after its 5 s wait for the
  // close handshake these clients never answer; one after the other that
  // was 25 s of waiting for the same check.
  await Promise.all(bad.map(async ([what, bytes]) => {
    const r = await rawWs(s.port, what.includes('2^62') ? '/ingest' : '/live');
    r.write(bytes);
    await ends(r, what);
  }));
  // Not even HTTP.
  const h = await tcpConnect(s.port);
  h.write('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + 'garbage'.repeat(100) + '\r\n\r\n');
  await until(() => h.destroyed || h.readableEnded, 'TLS-looking garbage closed', 35000);
  check(true, 'garbage: a TLS hello to the HTTP port -> closed');

  // Well-framed but unwelcome messages on /live: answered, connection kept.
  const w = await openWs(s.ws('/live'));
  w.send(Buffer.from('{"v":1,"type":"ping"}'), { binary: true });
  w.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));          // invalid UTF-8 text
  w.send(Buffer.from([0x7b, 0x22, 0x76, 0x22, 0x3a, 0x31, 0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]));
  w.send(Buffer.from([0, 1, 2, 3, 255]), { binary: true });
  w.send('{"v":1,"type":"ping"}');
  await until(() => replies(w, 'pong').length >= 2 && replies(w, 'error').length >= 3, 'answers to binary / invalid UTF-8');
  const codes = replies(w, 'error').map((e) => e.code);
  check(codes.filter((c) => c === 'bad-json').length >= 2, 'invalid UTF-8 text and a binary non-JSON message: bad-json errors (' + codes.join(',') + ')');
  check(w.readyState === 1 && replies(w, 'pong').length === 2, 'a binary message carrying JSON is read like text; the client stays connected');
  // Oversized, in one frame and in fragments.
  for (const fragmented of [false, true]) {
    const o = await openWs(s.ws('/live'));
    const code = new Promise((r) => o.on('close', (k) => r(k)));
    if (fragmented) for (let i = 0; i < 4 && o.readyState === 1; i++) { o.send('x'.repeat(30000), { fin: false }); await sleep(20); }
    else o.send('x'.repeat(200000));
    check(await code === 1009 && replies(o, 'error').some((e) => e.code === 'too-big'),
          'oversized ' + (fragmented ? 'fragmented ' : '') + 'message: too-big, close 1009');
  }
  // Large messages from two clients that offer compression, at once: lws
  // 4.1's permessage-deflate aborted the service on them (assertion in its
  // inflate, and stalls before that); the service offers no compression.
  const big = await Promise.all([0, 1].map(() => openWs(s.ws('/live'), { perMessageDeflate: true })));
  check(big.every((b) => b.extensions === ''), 'permessage-deflate is not negotiated (lws 4.1 could be crashed through it)');
  const tBig = Date.now();
  while (Date.now() - tBig < 2000) {
    for (const b of big) if (b.bufferedAmount < 1 << 20) b.send(JSON.stringify({ v: 1, type: 'ping', pad: 'x'.repeat(60000) + Math.random() }));
    await sleep(10);
  }
  const duringBig = await probe.alive('large compressed messages');
  check(duringBig < 30000, 'garbage: two clients sending large compressed messages leave the probe served');
  for (const b of big) b.terminate();
  // /ingest: invalid UTF-8 and binary garbage are skipped with an error.
  const ing = await openWs(s.ws('/ingest'));
  ing.send(Buffer.from('{"ts":1,"ev":"mark","actor":"bad\xff\xfe","text":"x"}\n', 'latin1'));
  ing.send(randomBytes(2000), { binary: true });
  ing.send(ev(1, { ev: 'send', from: 'ingest-after-garbage', to: 'x', id: 1001, label: 'Ok' }));
  await until(() => lastFrame(probe.live).actors.some((a) => a.name === 'ingest-after-garbage'), 'a good /ingest message after garbage', 20000);
  check(ing.readyState === 1 || replies(ing, 'error').length > 0, '/ingest survives garbage and takes the next good message');
  w.close(); ing.close();
});

await scenario('client-control-flood', [], 96, async (s, probe) => {
  await bigData(s, 200);
  const w = await openWs(s.ws('/live'));
  w.send(JSON.stringify({ v: 1, type: 'view', kind: 'graph', follow: true, window_s: 3600, width: 1200, height: 900 }));
  await until(() => lastFrame(w), 'the flooder has a frame');
  const t0 = Date.now();
  const cpu0 = cpuSeconds(s.proc.pid);
  const N = 3000;
  for (let i = 0; i < N; i++) {
    w.send(JSON.stringify({ v: 1, type: 'hit', x: 100 + (i % 500), y: 100 + (i % 300) }));
    w.send(JSON.stringify({ v: 1, type: 'details', class: 'actor', id: 'hub-' + (i % 40) }));
    w.send('{"v":1,"type":"ping"}');
    if (i % 10 === 0) w.send(JSON.stringify({ v: 1, type: 'view', zoom: 1 + (i % 7) / 10 }));
    if (i % 100 === 0) await sleep(1);
  }
  w.send('{"v":1,"type":"hello"}'); // its answer marks the end of the flood's processing
  const during = await probe.alive('a control-message flood');
  check(during < 30000, 'client-control-flood: probe served during ' + 2 * N + ' hit/details requests');
  await until(() => replies(w, 'hello').length >= 2, 'the flood processed', 120000);
  const secs = (Date.now() - t0) / 1000;
  const answered = replies(w, 'details').length + replies(w, 'error').filter((e) => e.code === 'not-found').length;
  const limited = replies(w, 'error').filter((e) => e.code === 'limit');
  const cpu = cpuSeconds(s.proc.pid) - cpu0;
  console.log('# control flood: ' + answered + ' lookups answered, ' + limited.length + ' "limit" errors seen (replies beyond 16 unread are dropped), ' +
              cpu.toFixed(1) + ' s CPU in ' + secs.toFixed(1) + ' s');
  // Unlimited, each hit is a rendering (~50 ms here): 3000 of them would
  // cost minutes of CPU; the budget makes it the cost of parsing.
  check(cpu < 30, 'control flood cost ' + cpu.toFixed(1) + ' s of service CPU (not one rendering per hit)');
  check(answered <= 20 + 10 * (secs + 1), 'hit/details rate-limited: ' + answered + ' answered in ' + secs.toFixed(1) + ' s (burst 20 + 10/s)');
  check(limited.length > 0 && /too many hit\/details requests/.test(limited[0].message), 'excess lookups answered with a "limit" error');
  // The budget refills: one more lookup a second later is answered.
  await sleep(2500);
  const before = replies(w, 'details').length;
  w.send(JSON.stringify({ v: 1, type: 'details', class: 'actor', id: 'hub-1' }));
  await until(() => replies(w, 'details').length > before, 'a lookup after the refill', 30000);
  check(true, 'after a pause lookups are answered again');
  w.close();
});

// Named scenarios that do not exist would pass having checked nothing.
const unknown = only.filter((n) => !figures.some((f) => f.name === n));
if (unknown.length) {
  console.log('not ok - no such scenario: ' + unknown.join(', '));
  process.exit(1);
}
console.log('# peak RSS per fault (MiB): ' + figures.map((f) => f.name + ' ' + f.baseMiB + '->' + f.peakMiB).join(', '));
console.log('all fault checks passed');

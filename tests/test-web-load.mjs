// Load test of the live console: a real `actorscope serve` fed ~50,000
// events/s by 200 actors (native NDJSON on its TCP producer port, from a
// worker thread), Debian's chromium driven by playwright-core. For each
// view: how busy the page's main thread is over ~5 s (Chrome's own task
// time, and long tasks from PerformanceObserver), the latency from a key
// typed in the filter box to its paint, and from a click on an actor to
// its details card; frame sizes against the budget, and how many frames
// went out as updates. Figures are always printed. Asserted always: every
// frame's SVG within the budget, the service keeping up,
// no page errors. The page targets (busy <= 25 %, key p95 <= 100 ms,
// click <= 300 ms) and updates in use are only asserted with
// LOAD_STRICT=1: on a shared
// two-core machine (service, producer and browser on the same cores)
// they are not met reliably, and a test that fails at random teaches
// nothing.
//   node tests/test-web-load.mjs BUILD/app/actorscope
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { require, tempDir, check, sleep, until, startServe, stopServe, CHROMIUM_ARGS } from './web-common.mjs';

const cli = process.argv[2];
if (!cli) throw new Error('usage: test-web-load.mjs ACTORSCOPE');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromiumPath)) { console.log('SKIP: no chromium at ' + chromiumPath); process.exit(77); }
const { chromium } = require('playwright-core');

const RATE = Number(process.env.LOAD_RATE || 50000);   // events per second
const ACTORS = 200;
const BUDGET = Number(process.env.LOAD_BUDGET || 200 * 1024);
const MEASURE_MS = 5000;
const STRICT = process.env.LOAD_STRICT === '1';
// The targets of issue 10 (asserted with LOAD_STRICT=1).
const TARGET = { busy: 0.25, keyP95: 100, click: 300 };

// The producer: send, receive and done of one message per three events,
// paced to RATE; on back-pressure it waits (the achieved rate is
// reported). It never catches up more than 0.1 s: a backlog sent at once
// (the service busy at start, say) made the service take 60-80 k
// events/s for a while when 50 k were asked, and the page figures were
// measured at that rate. Events it skipped leave a gap in time. Like a real system it has a topology: each actor talks to
// four fixed peers, busier actors more often (uniformly random pairs of
// 200 actors would make every frame a new picture).
const producerCode = `
const { workerData, parentPort } = require('worker_threads');
const net = require('net');
const { port, rate, actors } = workerData;
const sock = net.connect(port, '127.0.0.1');
let sent = 0, pos = 0, id = 0, stopped = false, blocked = false, seed = 1;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
const names = Array.from({ length: actors }, (_, i) => '/user/worker-' + i);
const t0 = Date.now(), ns0 = BigInt(t0) * 1000000n;
parentPort.on('message', (m) => { if (m === 'stop') { stopped = true; sock.end(); } });
sock.on('connect', () => { sock.write('{"actorscope":1}\\n'); tick(); });
sock.on('drain', () => { blocked = false; });
sock.on('error', () => {});
function tick() {
  if (stopped) return;
  const due = Math.floor((Date.now() - t0) / 1000 * rate);
  pos = Math.max(pos, due - Math.floor(rate / 10));
  let text = '';
  while (!blocked && pos + 3 <= due && text.length < 4 << 20) {
    const from = Math.floor(actors * Math.pow(rnd(1000) / 1000, 2));
    const to = (from * 7 + 1 + [0, 13, 57, 101][rnd(4)]) % actors;
    const ts = ns0 + BigInt(Math.round(pos * 1e9 / rate));
    id++;
    text += '{"ts":' + ts + ',"ev":"send","actor":"' + names[from] + '","to":"' + names[to] + '","id":' + id + ',"label":"' + (id % 3 ? 'Work' : 'Ack') + '"}\\n' +
      '{"ts":' + (ts + 1000000n) + ',"ev":"receive","actor":"' + names[to] + '","id":' + id + '}\\n' +
      '{"ts":' + (ts + 2000000n) + ',"ev":"done","actor":"' + names[to] + '","id":' + id + '}\\n';
    sent += 3;
    pos += 3;
  }
  if (text && !sock.write(text)) blocked = true;
  parentPort.postMessage(sent);
  setTimeout(tick, 10);
}
`;

const s = await startServe(cli, ['--listen', 'tcp://127.0.0.1:0', '--frame-budget', String(BUDGET), '-q']);
const port = Number(s.producers[0].split(':').pop());
let producedEvents = 0;
const producer = new Worker(producerCode, { eval: true, workerData: { port, rate: RATE, actors: ACTORS } });
producer.on('message', (n) => { producedEvents = n; });

// Page instrumentation, installed before the page's own script: long
// tasks, bytes of each message kind on the wire, key and click latency.
function instrument() {
  window.__load = { longtasks: [], wire: { frame: [0, 0], update: [0, 0] }, keys: [], clicks: [] };
  const L = window.__load;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) L.longtasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      L.ws = this;
      this.addEventListener('message', (ev) => {
        const m = /^\{"type":"(frame|update)"/.exec(ev.data);
        if (m) { L.wire[m[1]][0]++; L.wire[m[1]][1] += ev.data.length; }
        if (m && m[1] === 'frame') L.lastFrame = ev.data;
        const n = /"events":(\d+)/.exec(ev.data.slice(0, 400));
        if (n) { L.events = Number(n[1]); L.eventsAt = performance.now(); }
      });
    }
  };
  // A key: from the event's time stamp (when the browser received it) to
  // the first task after the next animation frame (the value painted).
  let keyAt = 0;
  document.addEventListener('keydown', (e) => { if (e.target.id === 'filter') keyAt = e.timeStamp; }, true);
  document.addEventListener('input', (e) => {
    if (e.target.id !== 'filter' || !keyAt) return;
    const t = keyAt;
    keyAt = 0;
    requestAnimationFrame(() => setTimeout(() => L.keys.push(performance.now() - t), 0));
  }, true);
  // A click on the picture: from the press to the details card shown.
  let clickAt = 0;
  document.addEventListener('mousedown', (e) => { if (e.target.closest && e.target.closest('#svg')) clickAt = e.timeStamp; }, true);
  document.addEventListener('DOMContentLoaded', () => {
    new MutationObserver(() => {
      if (!clickAt || document.getElementById('details').classList.contains('hidden')) return;
      const t = clickAt;
      clickAt = 0;
      requestAnimationFrame(() => setTimeout(() => L.clicks.push(performance.now() - t), 0));
    }).observe(document.getElementById('details'), { childList: true, subtree: true, attributes: true });
  });
}

const pct = (xs, p) => { const v = xs.slice().sort((a, b) => a - b); return v.length ? v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)] : NaN; };
const f1 = (x) => (Math.round(x * 10) / 10).toFixed(1);

const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS,
  env: { ...process.env, HOME: tempDir('home') } });
const results = [];
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  await context.addInitScript(instrument);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskSeconds = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  // Events the service has, as its latest message to the page says.
  const pageEvents = () => page.evaluate(() => window.__load.events || 0);

  await page.goto(s.url);
  await until(async () => (await pageEvents()) > RATE, 'the first second of events on the page', 30000, 200);
  // Over the arrival times of the messages the counts came in (not when
  // the test looked: a count can be a frame interval old).
  const eventsNow = () => page.evaluate(() => [window.__load.events || 0, window.__load.eventsAt || 0]);
  const [e0, at0] = await eventsNow(), p0 = producedEvents, pt0 = Date.now();
  await sleep(3000);
  const [e1, at1] = await eventsNow(), p1 = producedEvents, pt1 = Date.now();
  const rate = (e1 - e0) / (Math.max(1, at1 - at0) / 1000);
  // Above the producer's rate the service is taking a backlog in (its
  // socket buffers after a slow start, on a busy machine).
  console.log(`# producer ${RATE} events/s asked, ${Math.round(producedEvents / 1000)}k sent, ` +
              `${Math.round((p1 - p0) / ((pt1 - pt0) / 1000))}/s meanwhile; the service takes ${Math.round(rate)} events/s`);
  check(rate > RATE * 0.5, 'the service takes at least half the asked rate (' + Math.round(rate) + '/s)');

  for (const view of ['graph', 'sequence', 'timeline']) {
    await page.click(`.seg button[data-view="${view}"]`);
    await until(() => page.$eval('#svg svg', (e, v) => (e.getAttribute('class') || '').split(' ').includes(v), view).catch(() => false),
      view + ' view shown', 20000, 100).catch(async (e) => {
      console.log('# page: svg class ' + await page.$eval('#svg', (x) => x.innerHTML.slice(0, 300)).catch((x) => x.message) +
                  ', stats ' + JSON.stringify(await page.evaluate(() => window.actorscopeStats)) + ', errors ' + errors.join('; '));
      throw e;
    });
    await sleep(1500);
    // Busy: Chrome's task time over the window, and the long tasks in it.
    const stats0 = await page.evaluate(() => Object.assign({}, window.actorscopeStats));
    const wire0 = await page.evaluate(() => JSON.parse(JSON.stringify(window.__load.wire)));
    const task0 = await taskSeconds();
    const [p0] = await page.evaluate(() => [performance.now()]);
    await sleep(MEASURE_MS);
    const task1 = await taskSeconds();
    const [p1, longtasks] = await page.evaluate(() => [performance.now(), window.__load.longtasks.slice()]);
    const stats1 = await page.evaluate(() => Object.assign({}, window.actorscopeStats));
    const wire1 = await page.evaluate(() => JSON.parse(JSON.stringify(window.__load.wire)));
    const span = p1 - p0;
    const busy = (task1 - task0) * 1000 / span;
    const longMs = longtasks.reduce((a, [st, d]) => a + Math.max(0, Math.min(st + d, p1) - Math.max(st, p0)), 0);
    const frames = stats1.frames - stats0.frames, updates = stats1.updates - stats0.updates;
    const fBytes = wire1.frame[1] - wire0.frame[1], uBytes = wire1.update[1] - wire0.update[1];

    // Typing 13 characters into the filter, ~12 keys/s; then cleared.
    await page.evaluate(() => { window.__load.keys = []; });
    await page.click('#filter');
    for (const ch of '/user/worker*') await page.keyboard.type(ch, { delay: 0 }).then(() => sleep(80));
    await until(() => page.evaluate(() => window.__load.keys.length >= 13), 'key latencies', 10000);
    const keys = await page.evaluate(() => window.__load.keys.slice());
    await page.fill('#filter', '');
    await page.dispatchEvent('#filter', 'input');
    await sleep(1500);

    // Clicks on actors, each with the details card closed first.
    const clicks = [];
    for (let k = 0; k < 5; k++) {
      if (!(await page.$eval('#details', (e) => e.classList.contains('hidden'))))
        await page.click('#close-details');
      const pt = await page.evaluate((k) => {
        const stage = document.getElementById('stage').getBoundingClientRect();
        const cands = Array.from(document.querySelectorAll('#svg g.actor[data-id]'));
        const ok = [];
        for (const g of cands) {
          const r = g.getBoundingClientRect();
          const x = Math.round(r.left + r.width / 2), y = Math.round(r.top + r.height / 2);
          if (r.width < 2 || x < stage.left || x > stage.right || y < stage.top || y > stage.bottom) continue;
          const top = document.elementFromPoint(x, y);
          if (top && top.closest('g.actor[data-id]') === g) ok.push({ x, y });
        }
        return ok.length ? ok[(k * 7) % ok.length] : null;
      }, k);
      if (!pt) break;
      await page.evaluate(() => { window.__load.clicks = []; });
      await page.mouse.click(pt.x, pt.y);
      const got = await until(() => page.evaluate(() => window.__load.clicks[0]), 'details card', 10000, 10).catch(() => null);
      if (got) clicks.push(got);
      await sleep(300);
    }
    if (!(await page.$eval('#details', (e) => e.classList.contains('hidden'))))
      await page.click('#close-details');

    const r = { view, busy, long: longMs / span, keyP95: pct(keys, 0.95), keyMax: Math.max(...keys),
      click: clicks.length ? Math.max(...clicks) : NaN, clickMedian: pct(clicks, 0.5), frames, updates,
      fAvg: frames ? fBytes / (wire1.frame[0] - wire0.frame[0] || 1) : 0,
      uAvg: updates ? uBytes / (wire1.update[0] - wire0.update[0] || 1) : 0,
      scriptMs: (stats1.scriptMs - stats0.scriptMs) / Math.max(1, stats1.applied - stats0.applied),
      renderMs: (stats1.renderMs - stats0.renderMs) / Math.max(1, stats1.applied - stats0.applied),
      maxSvg: stats1.maxSvgBytes, reduced: stats1.reduced - stats0.reduced, clicks: clicks.length };
    results.push(r);
    console.log(`# ${view}: main thread busy ${f1(r.busy * 100)} % (long tasks ${f1(r.long * 100)} %); ` +
      `key p95 ${f1(r.keyP95)} ms (max ${f1(r.keyMax)}); click->details max ${f1(r.click)} ms ` +
      `(median ${f1(r.clickMedian)}, ${r.clicks} clicks); ${updates} updates / ${frames} full frames ` +
      `(avg ${Math.round(r.uAvg / 1024)} KB / ${Math.round(r.fAvg / 1024)} KB on the wire); ` +
      `applying one: ${f1(r.scriptMs)} ms script + ${f1(r.renderMs)} ms to the next paint; ` +
      `largest SVG so far ${Math.round(r.maxSvg / 1024)} KB, ${r.reduced} frames with reduced detail`);
  }

  for (const r of results) {
    check(r.maxSvg > 0 && r.maxSvg <= BUDGET, `${r.view}: every frame's SVG within the budget (${r.maxSvg} <= ${BUDGET})`);
    if (!STRICT) continue;
    check(r.busy <= TARGET.busy, `${r.view}: main thread busy ${f1(r.busy * 100)} % <= ${TARGET.busy * 100} %`);
    check(r.keyP95 <= TARGET.keyP95, `${r.view}: key latency p95 ${f1(r.keyP95)} ms <= ${TARGET.keyP95} ms`);
    check(r.clicks >= 3 && r.click <= TARGET.click, `${r.view}: click to details ${f1(r.click)} ms <= ${TARGET.click} ms`);
  }
  // Which views get updates depends on the load: here the sequence chart
  // (rows keep their place, numbers change); a live graph moves most of
  // its nodes a little every frame, which an update can't beat. How many
  // go out depends on timing too (a CI run saw 0 of 24 sequence frames,
  // a quiet one 5 of 23), so it is a figure here, asserted with
  // LOAD_STRICT=1; that updates work at all, web-updates and
  // web-transitions prove without a race.
  // The page skips its sanitiser for frames whose text holds nothing it
  // would remove: a forged frame with each kind of thing it removes, given
  // to the page as if the service had sent it, must come out clean. (The
  // producer stops first: a newer frame would replace it unseen.)
  producer.postMessage('stop');
  await sleep(1500);
  const forged = await page.evaluate(() => {
    const f = JSON.parse(window.__load.lastFrame);
    window.__pwned = (n) => { window.__pwnedBy = n; };
    f.svg = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ' +
      'xmlns:h="http://www.w3.org/1999/xhtml" class="actorscope forged" width="300" height="200" onload="__pwned(1)">' +
      '<script>__pwned(2)</script><h:script>__pwned(3)</h:script><Script>__pwned(4)</Script>' +
      '<g class="actor" data-id="x" ONCLICK="__pwned(5)"><circle cx="5" cy="5" r="3" x:onmouseover="__pwned(6)"/></g>' +
      '<a xlink:href="javascript:__pwned(7)"><text x="1" y="9">a</text></a><a href="#ok"><text y="19">b</text></a>' +
      '<foreignObject><h:iframe src="javascript:__pwned(8)"/></foreignObject>' +
      '<set attributeName="href" to="javascript:__pwned(9)"/><animateMotion dur="1s"/>' +
      '<g xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="__pwned(10)"/></g></svg>';
    return JSON.stringify(f);
  }).then(async (text) => {
    // (x: is undeclared, so that line is a parse error: then the same
    // frame without it, which must parse and come out clean)
    const clean = text.replace(' x:onmouseover=\\"__pwned(6)\\"', '');
    await page.evaluate((t) => window.__load.ws.onmessage({ data: t }), clean);
    return until(() => page.evaluate(() => {
      const svg = document.querySelector('#svg svg.forged');
      if (!svg) return null;
      const all = [svg, ...svg.querySelectorAll('*')];
      return { bad: all.filter((e) => e.namespaceURI !== 'http://www.w3.org/2000/svg' ||
                 /^(script|foreignobject|set|animatemotion)$/i.test(e.localName) ||
                 [...e.attributes].some((a) => /^on/i.test(a.localName) ||
                   (a.localName === 'href' && !a.value.startsWith('#')))).map((e) => e.localName),
               kept: svg.querySelectorAll('a[href="#ok"], g.actor circle').length };
    }), 'the forged frame shown', 10000, 5);
  });
  await sleep(300);
  check(forged.bad.length === 0 && forged.kept === 2 && !(await page.evaluate(() => window.__pwnedBy)),
        `a forged frame comes out sanitised (left: ${forged.bad.join(',') || 'nothing'}, kept ${forged.kept} safe items)`);

  const nu = results.reduce((a, r) => a + r.updates, 0), nf = results.reduce((a, r) => a + r.frames, 0);
  console.log(`# ${nu} updates, ${nf} full frames over the three views`);
  if (STRICT) check(nu > 0, `updates are used (${nu} updates, ${nf} full frames over the three views)`);
  check(errors.length === 0, 'no page errors (' + errors.join('; ') + ')');
} finally {
  producer.postMessage('stop');
  await sleep(100);
  await producer.terminate();
  await browser.close();
  await stopServe(s);
}
console.log('load test done');

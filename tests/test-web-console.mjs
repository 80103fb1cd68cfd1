// Browser test of the console a team keeps open all day (issue 13): Debian's
// chromium driven by playwright-core against a real `actorscope serve`.
// Responsive layout at 390x844, 1280x800 and 1920x1080 (screenshots kept
// in ACTORSCOPE_SCREENSHOT_DIR or the build dir), the view in the URL
// (reload, back), a bad filter marked inline, time zoom and pan on the
// timeline, search by payload/actor with next/previous, the deviations list of the bundled Akka sample and its jump,
// shortcuts on `?`, and table clicks under a live load of ~50k events/s.
//   node tests/test-web-console.mjs BUILD/app/actorscope
import { existsSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SRC, require, tempDir, check, sleep, until, startServe, stopServe, CHROMIUM_ARGS,
  openRecordedPage, keepShot, reportPageFailure } from './web-common.mjs';

const cli = process.argv[2];
if (!cli) throw new Error('usage: test-web-console.mjs ACTORSCOPE');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromiumPath)) { console.log('SKIP: no chromium at ' + chromiumPath); process.exit(77); }
// Kept for a person to look at: next to the test binary in the build dir.
const shots = process.env.ACTORSCOPE_SCREENSHOT_DIR || join(dirname(dirname(cli)), 'screenshots-console');
mkdirSync(shots, { recursive: true });
const { chromium } = require('playwright-core');
const serveEnv = { env: { ...process.env, ACTORSCOPE_DATA_DIR: 'none' } };

let browser = null, currentPage = null;
const servers = [];

async function newPage(width, height) {
  currentPage = await openRecordedPage(browser, width, height);
  return currentPage;
}
const shot = (page, name) => keepShot(page, shots, name);
const rootClass = (page) => page.$eval('#svg svg', (e) => e.getAttribute('class') || '').catch(() => '');
const rangeText = (page) => page.$eval('#range', (e) => e.textContent);
const frameWindow = (page) => page.evaluate(() => window.actorscopeState.range);

// Every visible control lies inside the viewport and is not cut: its box
// is within the window and its text fits its box.
async function layoutProblems(page) {
  return page.evaluate(() => {
    const bad = [];
    const W = window.innerWidth, H = window.innerHeight;
    for (const el of document.querySelectorAll('.bar button, .bar select, .bar input, .scrub canvas, #stage')) {
      const r = el.getBoundingClientRect();
      if (getComputedStyle(el).display === 'none' || el.closest('.hidden')) continue;
      if (r.width < 8 || r.height < 8) bad.push((el.id || el.textContent.trim()) + ' too small ' + r.width + 'x' + r.height);
      if (r.left < -1 || r.right > W + 1 || r.top < -1 || r.bottom > H + 1) bad.push((el.id || el.textContent.trim()) + ' outside ' + JSON.stringify(r));
      if (el.tagName === 'BUTTON' && (el.scrollWidth > el.clientWidth + 1 || r.height > 40)) bad.push((el.id || el.textContent.trim()) + ' cut or wrapped');
    }
    const stage = document.querySelector('#stage').getBoundingClientRect();
    if (stage.width < W * 0.6 || stage.height < H * 0.35) bad.push('stage only ' + stage.width + 'x' + stage.height);
    if (document.documentElement.scrollWidth > W + 1) bad.push('page scrolls sideways');
    return bad;
  });
}

async function responsiveTest(s) {
  for (const [w, h] of [[390, 844], [1280, 800], [1920, 1080]]) {
    const page = await newPage(w, h);
    await page.goto(s.url);
    await until(async () => (await page.$('#svg svg g.actor')) !== null, 'frame at ' + w + 'x' + h);
    await sleep(400);
    const problems = await layoutProblems(page);
    check(problems.length === 0, w + 'x' + h + ': every control visible and whole (' + problems.join('; ') + ')');
    const side = await page.$eval('#side', (e) => { const r = e.getBoundingClientRect(); return { left: r.left, w: r.width }; });
    if (w < 900) {
      check(side.left >= w - 1, '390 wide: the side panel is a closed drawer');
      await shot(page, 'console-' + w + 'x' + h);
      await page.click('#panel-toggle');
      await until(async () => (await page.$eval('#side', (e) => e.getBoundingClientRect().right)) <= w + 1, 'drawer open');
      await sleep(300);
      check((await page.$$('#actors tbody tr')).length > 0, 'the drawer shows the actor table');
      await shot(page, 'console-' + w + 'x' + h + '-drawer');
      await page.keyboard.press('Escape');
    } else {
      check(side.left + side.w <= w + 1 && side.w >= 300, w + ' wide: side panel beside the picture (' + side.w + ' px)');
      await shot(page, 'console-' + w + 'x' + h);
    }
    check(page.errors.length === 0, 'no page errors at ' + w + 'x' + h + ' (' + page.errors.join('; ') + ')');
    await page.context().close();
  }
}

async function urlAndFilterTest(s) {
  const page = await newPage(1280, 800);
  await page.goto(s.url);
  await until(async () => (await page.$('#svg svg g.actor')) !== null, 'first frame');
  // A view: timeline, label filter, actor filter, light theme.
  await page.click('.seg button[data-view="timeline"]');
  await page.fill('#filter', '/user/supervisor*');
  await until(async () => /view=timeline/.test(page.url()) && /filter=/.test(page.url()), 'URL names the view and filter')
    .catch((e) => { console.log('url: ' + page.url()); throw e; });
  await page.click('#theme');
  await until(async () => /theme=light/.test(page.url()), 'URL names the theme');
  // Pause on a window: the URL carries from/to.
  await page.keyboard.press('l');
  await page.click('#live');
  await until(async () => /from=/.test(page.url()) && /to=/.test(page.url()), 'URL names the paused window');
  const url = page.url();
  const w1 = await frameWindow(page);
  // Reload: the same view comes back.
  await page.reload();
  await until(async () => (await rootClass(page)).includes('timeline'), 'timeline after reload');
  await until(async () => (await page.$eval('#filter', (e) => e.value)) === '/user/supervisor*', 'filter box restored');
  check((await page.evaluate(() => document.documentElement.dataset.theme)) === 'light', 'theme restored');
  check((await page.$eval('#live', (e) => e.textContent)).includes('Paused'), 'paused state restored');
  await until(async () => { const w = await frameWindow(page); return w && Math.abs(w.from_ms - w1.from_ms) < 1 && Math.abs(w.to_ms - w1.to_ms) < 1; }, 'same window after reload');
  const applied = () => page.evaluate(() => window.actorscopeState.frame.view.filter);
  await until(async () => (await applied()) === '/user/supervisor*', 'filter applied after reload');
  // Another page opened with that URL sees the same view (sharing).
  const other = await newPage(1280, 800);
  await other.goto(url);
  await until(async () => (await rootClass(other)).includes('timeline'), 'shared URL shows the timeline');
  await other.context().close();
  currentPage = page;
  // Back: the view before the pause (live, timeline) comes back.
  await page.click('.seg button[data-view="graph"]');
  await until(async () => /view=graph/.test(page.url()), 'graph in URL');
  await page.goBack();
  await until(async () => (await rootClass(page)).includes('timeline'), 'back returns to the timeline');
  check(/view=timeline/.test(page.url()), 'back restores the URL');

  // A bad regex: the box turns red with the message beside it, and the
  // picture keeps showing the filter that is applied (the message says so).
  await page.fill('#filter', '/[/');
  await until(async () => !(await page.$eval('#filter-error', (e) => e.classList.contains('hidden'))), 'inline filter error');
  const msg = await page.$eval('#filter-error', (e) => e.textContent);
  check(/not applied/.test(msg) && /\/user\/supervisor\*/.test(msg), 'error says the old filter is still applied: ' + msg);
  check((await applied()) === '/user/supervisor*', 'the picture keeps the applied filter');
  check(await page.$eval('.field', (e) => e.classList.contains('bad')), 'filter box marked bad');
  check(await page.$eval('#filter', (e) => e.getAttribute('aria-invalid') === 'true'), 'filter box aria-invalid');
  check(!/%5B/.test(page.url()) && /supervisor/.test(decodeURIComponent(page.url())), 'URL keeps the applied filter, not the refused one');
  await shot(page, 'console-bad-filter');
  await page.fill('#filter', '/user/http*');
  await until(async () => (await page.$eval('#filter-error', (e) => e.classList.contains('hidden'))), 'error cleared by a good filter');
  check(!(await page.$eval('.field', (e) => e.classList.contains('bad'))), 'box no longer red');
  await until(async () => (await applied()) === '/user/http*', 'new filter applied');

  // Shortcuts on `?`.
  await page.click('#stage');
  await page.keyboard.press('?');
  await until(async () => !(await page.$eval('#shortcuts', (e) => e.classList.contains('hidden'))), 'shortcuts listed');
  check(/W \/ S/.test(await page.$eval('#shortcuts', (e) => e.textContent)), 'the list names the time keys');
  await page.keyboard.press('Escape');
  check(await page.$eval('#shortcuts', (e) => e.classList.contains('hidden')), 'Escape closes it');
  check(page.errors.length === 0, 'no page errors (' + page.errors.join('; ') + ')');
  await page.context().close();
}

async function timeTest(s) {
  const page = await newPage(1440, 900);
  await page.goto(s.url + '#view=timeline&window=0');
  await until(async () => (await rootClass(page)).includes('timeline') && (await page.$$('#svg g.span')).length > 0, 'timeline with spans');
  await until(async () => page.evaluate(() => !!window.actorscopeState.axis), 'frame with a time axis');
  const w0 = await frameWindow(page);
  // W zooms in around the pointer: a shorter window, paused, "back to live" shown.
  const box = await page.$eval('#stage', (e) => { const r = e.getBoundingClientRect(); return { x: r.left + r.width * 0.6, y: r.top + r.height / 2 }; });
  await page.mouse.move(box.x, box.y);
  await page.keyboard.press('w');
  await until(async () => { const w = await frameWindow(page); return w && (w.to_ms - w.from_ms) < (w0.to_ms - w0.from_ms) * 0.8; }, 'W zooms in time');
  check(!(await page.$eval('#back-to-live', (e) => e.classList.contains('hidden'))), 'zoom paused following: "back to live" shown');
  const w1 = await frameWindow(page);
  // Ctrl+wheel zooms further.
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -200);
  await page.keyboard.up('Control');
  await until(async () => { const w = await frameWindow(page); return (w.to_ms - w.from_ms) < (w1.to_ms - w1.from_ms) * 0.95; }, 'Ctrl+wheel zooms in time');
  const w2 = await frameWindow(page);
  // D pans later by a quarter window.
  await page.keyboard.press('d');
  await until(async () => { const w = await frameWindow(page); return w.from_ms > w2.from_ms + (w2.to_ms - w2.from_ms) * 0.2; }, 'D pans later');
  // S zooms out.
  const w3 = await frameWindow(page);
  await page.keyboard.press('s');
  await until(async () => { const w = await frameWindow(page); return (w.to_ms - w.from_ms) > (w3.to_ms - w3.from_ms) * 1.3; }, 'S zooms out');
  // A drag from empty space (below the lanes) pans: dragged left, the
  // window moves later by the time dragged over.
  await sleep(500);
  const w4 = await frameWindow(page);
  const empty = await page.evaluate(() => {
    const svg = document.querySelector('#svg svg'), r = svg.getBoundingClientRect();
    return { y: r.bottom - 3, x0: r.left + r.width * 0.7, x1: r.left + r.width * 0.5 };
  });
  await page.mouse.move(empty.x0, empty.y);
  await page.mouse.down();
  await page.mouse.move(empty.x1, empty.y, { steps: 4 });
  await page.mouse.up();
  await until(async () => { const w = await frameWindow(page); return w.from_ms > w4.from_ms + (w4.to_ms - w4.from_ms) * 0.1; }, 'drag pans later');
  // Drag on the ruler selects a range and shows its statistics.
  await sleep(500);
  const ruler = await page.evaluate(() => {
    const svg = document.querySelector('#svg svg'), ax = window.actorscopeState.axis, m = svg.getScreenCTM();
    return { y: m.d * (ax.height / 2) + m.f, x0: m.a * (ax.x0 + (ax.x1 - ax.x0) * 0.3) + m.e, x1: m.a * (ax.x0 + (ax.x1 - ax.x0) * 0.6) + m.e };
  });
  await page.mouse.move(ruler.x0, ruler.y);
  await page.mouse.down();
  await page.mouse.move(ruler.x1, ruler.y, { steps: 5 });
  await page.mouse.up();
  await until(async () => /Selection .* events/.test(await page.$eval('#timebar-text', (e) => e.textContent)), 'range statistics shown');
  const stats = await page.$eval('#timebar-text', (e) => e.textContent);
  check(/spans drawn/.test(stats), 'selection statistics: ' + stats);
  await shot(page, 'console-time-selection');
  await page.keyboard.press('Escape');
  check(!/Selection/.test(await page.$eval('#timebar-text', (e) => e.textContent)), 'Escape clears the selection');
  // Back to live.
  await page.click('#back-to-live');
  await until(async () => (await page.$eval('#live', (e) => e.textContent)).includes('Live'), 'back to live');
  check(page.errors.length === 0, 'no page errors (' + page.errors.join('; ') + ')');
  await page.context().close();
}

async function searchTest(s) {
  const page = await newPage(1440, 900);
  await page.goto(s.url + '#view=sequence&window=0');
  await until(async () => (await page.$$('#svg g.message')).length > 0, 'sequence chart');
  // Payload text: one job's source file.
  await page.fill('#search', 'in/00007.png');
  await until(async () => /match/.test(await page.$eval('#search-count', (e) => e.textContent)), 'search count');
  const count = await page.$eval('#search-count', (e) => e.textContent);
  const n = Number(count.replace(/[^0-9]/g, ''));
  check(n >= 2, 'payload search finds the job\'s messages: ' + count);
  const w0 = await frameWindow(page);
  await page.press('#search', 'Enter');
  await until(async () => /^1 \//.test(await page.$eval('#search-count', (e) => e.textContent)), 'first match');
  await until(async () => { const w = await frameWindow(page); return w && (w.to_ms - w.from_ms) < (w0.to_ms - w0.from_ms) * 0.9 || w.from_ms !== w0.from_ms; }, 'window moved to the match');
  await until(async () => /00007\.png/.test(await page.$eval('#details-body', (e) => e.textContent).catch(() => '')), 'the match\'s card (its payload)');
  const m1 = await page.evaluate(() => window.actorscopeState.search.matches[0]);
  const w1 = await frameWindow(page);
  check(w1.from_ms <= m1.time_ms && m1.time_ms <= w1.to_ms, 'the window holds the match');
  await until(async () => (await page.$$('#svg g.message.match')).length === 1, 'the match highlighted');
  await shot(page, 'console-search');
  await page.click('#search-next');
  await until(async () => /^2 \//.test(await page.$eval('#search-count', (e) => e.textContent)), 'next match');
  await page.click('#search-prev');
  await until(async () => /^1 \//.test(await page.$eval('#search-count', (e) => e.textContent)), 'previous match');
  // Actor names and labels.
  await page.fill('#search', 'w3');
  await until(async () => /\d+ match/.test(await page.$eval('#search-count', (e) => e.textContent)), 'actor search');
  await until(async () => (await page.$$('#svg g.actor.match')).length >= 1, 'matching actor highlighted');
  await page.fill('#search', 'no such text anywhere');
  await until(async () => /no match/.test(await page.$eval('#search-count', (e) => e.textContent)), 'no match said');
  await until(async () => /q=no/.test(page.url()), 'search text in the URL').catch((e) => { console.log('url ' + page.url()); throw e; });
  check(page.errors.length === 0, 'no page errors (' + page.errors.join('; ') + ')');
  await page.context().close();
}

async function deviationsTest(s) {
  const page = await newPage(1440, 900);
  await page.goto(s.url + '#view=sequence&window=0');
  await until(async () => (await page.$$('#deviations-table tr')).length > 0, 'deviations listed');
  const rows = await page.$$eval('#deviations-table tr', (trs) => trs.map((t) => ({ cls: t.className, text: t.textContent, title: t.title })));
  const crashes = rows.filter((r) => r.cls === 'crash');
  check(crashes.length === 2, 'the two crashes of the Akka sample (' + crashes.map((r) => r.text).join(' | ') + ')');
  check(crashes.some((r) => /w3/.test(r.text) && /ArithmeticException/.test(r.title)), 'w3 crashed with its reason');
  check(rows.filter((r) => r.cls === 'drop').length === 3, 'the three dead letters');
  const badge = Number(await page.$eval('#deviations-count', (e) => e.textContent));
  check(badge >= 5 && await page.$eval('#deviations-badge', (e) => e.classList.contains('alert')), 'badge counts them (' + badge + ')');
  // A click moves the view to that moment and selects the actor.
  await page.click('#deviations-table tr.crash');
  await until(async () => (await page.$eval('#live', (e) => e.textContent)).includes('Paused'), 'view moved (paused)');
  await until(async () => /w3|w5/.test(await page.$eval('#details-body h3', (e) => e.textContent).catch(() => '')), 'crashed actor shown');
  check(/select=/.test(page.url()), 'selection in the URL');
  // The actor's charts (mailbox depth, rate, wait p99) and top partners.
  await until(async () => (await page.$$('#details-charts svg.sparkline')).length === 3, 'three sparklines');
  const charts = await page.$$eval('#details-charts .chart', (els) => els.map((e) => e.dataset.chart + ':' + e.querySelectorAll('polyline').length));
  check(charts.join(',') === 'mailbox:1,rate:1,wait_p99:1', 'charts drawn: ' + charts.join(','));
  const partners = await page.$$eval('#details-charts li .link', (els) => els.map((e) => e.textContent));
  check(partners.length > 0 && partners.some((p) => /workers$|supervisor/.test(p)), 'top partners: ' + partners.join(', '));
  const h = await page.$eval('#details-body h3', (e) => e.textContent);
  await page.click('#details-charts li .link');
  await until(async () => (await page.$eval('#details-body h3', (e) => e.textContent)) !== h, 'a partner is one click away');
  await shot(page, 'console-deviations');
  check(page.errors.length === 0, 'no page errors (' + page.errors.join('; ') + ')');
  await page.context().close();
}

// The hostile sample through the new panels: deviations, search, an
// actor's charts and partners show its strings as text and run nothing.
async function hostilePanelsTest() {
  const s = await startServe(cli, ['--replay', join(SRC, 'data/traces/hostile.ndjson'), '--speed', '0', '-q'], serveEnv);
  servers.push(s);
  const page = await newPage(1440, 900);
  await page.goto(s.url + '#view=sequence&window=0&q=' + encodeURIComponent('<script'));
  await until(async () => (await page.$$('#svg g.actor')).length > 3, 'hostile actors drawn');
  await until(async () => (await page.$$('#deviations-table tr')).length > 0, 'hostile deviations');
  await until(async () => /match/.test(await page.$eval('#search-count', (e) => e.textContent)), 'hostile search');
  await page.click('#search-next');
  await page.click('#deviations-table tr');
  await page.click('#actors tbody tr');
  await until(async () => (await page.$$('#details-charts svg.sparkline')).length === 3, 'hostile actor charts');
  const panels = await page.$eval('#side', (e) => e.textContent);
  check(/<script>|onerror=alert\(2\)|"quoted"/.test(panels) || /bad-utf8|newline|long-long/.test(panels), 'hostile names shown as text in the panels');
  check((await page.$$('#side script, #side img, #side iframe, #side foreignObject, .search script')).length === 0, 'no elements injected into the panels');
  await sleep(500);
  await shot(page, 'console-hostile-panels');
  check(page.dialogs.length === 0, 'no alert ran');
  check(page.errors.length === 0, 'no page errors (' + page.errors.join('; ') + ')');
  await page.context().close();
  await stopServe(s);
  servers.splice(servers.indexOf(s), 1);
}

// ~50,000 events/s from 200 actors on the TCP producer port (as in
// test-web-load.mjs); ten presses on table rows each show that actor.
const producerCode = `
const { workerData, parentPort } = require('worker_threads');
const net = require('net');
const { port, rate } = workerData;
const sock = net.connect(port, '127.0.0.1');
let sent = 0, id = 0, stopped = false, blocked = false;
const t0 = Date.now(), ns0 = BigInt(t0) * 1000000n;
parentPort.on('message', () => { stopped = true; sock.end(); });
sock.on('connect', () => { sock.write('{"actorscope":1}\\n'); tick(); });
sock.on('drain', () => { blocked = false; });
sock.on('error', () => {});
function tick() {
  if (stopped) return;
  const due = Math.floor((Date.now() - t0) / 1000 * rate);
  let text = '';
  while (sent + 3 <= due && text.length < 1 << 20) {
    const from = id % 200, to = (from * 7 + 13) % 200;
    const ts = ns0 + BigInt(Math.round(sent * 1e9 / rate));
    id++;
    text += '{"ts":' + ts + ',"ev":"send","from":"/user/w-' + from + '","to":"/user/w-' + to + '","id":' + id + ',"label":"Job"}\\n' +
            '{"ts":' + (ts + 1000n) + ',"ev":"recv","actor":"/user/w-' + to + '","id":' + id + '}\\n' +
            '{"ts":' + (ts + 5000n) + ',"ev":"done","actor":"/user/w-' + to + '","id":' + id + '}\\n';
    sent += 3;
  }
  if (text && !sock.write(text)) blocked = true;
  setTimeout(tick, blocked ? 20 : 10);
}`;

async function loadClicksTest() {
  const s = await startServe(cli, ['--listen', 'tcp://127.0.0.1:0', '-q'], serveEnv);
  servers.push(s);
  const port = Number((s.producers[0] || '').split(':').pop());
  check(port > 0, 'producer port ' + port);
  const worker = new Worker(producerCode, { eval: true, workerData: { port, rate: 50000 } });
  try {
    const page = await newPage(1440, 900);
    await page.goto(s.url);
    await until(async () => (await page.$$('#actors tbody tr')).length > 20, 'table under load', 20000);
    await sleep(500);
    let landed = 0;
    for (let i = 0; i < 10; i++) {
      // As a user does: the pointer comes over the table, then presses.
      await page.hover('#actors tbody tr:first-child');
      const rows = await page.$$('#actors tbody tr');
      const row = rows[3 + i];
      const name = await row.getAttribute('data-actor');
      await row.click();
      const ok = await until(async () => (await page.$eval('#details-body h3', (e) => e.textContent).catch(() => '')) === name,
                             'details of ' + name, 5000).then(() => true, () => false);
      if (ok) landed++;
    }
    check(landed === 10, 'table clicks under load: ' + landed + ' of 10 landed');
    const events = await page.$eval('#counts', (e) => e.textContent);
    console.log('# load while clicking: ' + events);
    check(page.errors.length === 0, 'no page errors under load (' + page.errors.join('; ') + ')');
    await page.context().close();
  } finally {
    worker.postMessage('stop');
    await sleep(100);
    await worker.terminate();
  }
}

browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS,
  env: { ...process.env, HOME: tempDir('home') } });
try {
  const s = await startServe(cli, ['--replay', join(SRC, 'data/traces/akka-supervision.ndjson'), '--speed', '0', '-q'], serveEnv);
  servers.push(s);
  await responsiveTest(s);
  await urlAndFilterTest(s);
  await timeTest(s);
  await searchTest(s);
  await deviationsTest(s);
  await hostilePanelsTest();
  await loadClicksTest();
} catch (e) {
  await reportPageFailure(currentPage, shots, 'console-failure', servers);
  throw e;
} finally {
  await browser.close();
  for (const s of servers) await stopServe(s);
}
console.log('all console checks passed; screenshots in ' + shots);

// Browser test of the live console: Debian's chromium driven by
// playwright-core against a real `actorscope serve --replay`. Loads the
// console, watches the live graph update, pauses, filters, switches views,
// clicks for details, switches theme; then a hostile trace must show its
// text and run nothing. Screenshots go to ACTORSCOPE_SCREENSHOT_DIR (kept,
// for a person to look at) or a temporary folder.
//   node tests/test-web-browser.mjs BUILD/app/actorscope
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SRC, require, tempDir, check, sleep, until, startServe, stopServe, CHROMIUM_ARGS,
  reportPageFailure } from './web-common.mjs';

const cli = process.argv[2];
if (!cli) throw new Error('usage: test-web-browser.mjs ACTORSCOPE');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromiumPath)) { console.log('SKIP: no chromium at ' + chromiumPath); process.exit(77); }
const shots = process.env.ACTORSCOPE_SCREENSHOT_DIR || tempDir('shots');
mkdirSync(shots, { recursive: true });
const { chromium } = require('playwright-core');

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.dialogs = [];
  currentPage = page;
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss(); });
  return page;
}

const counts = (page) => page.$eval('#counts', (e) => e.textContent);
const events = async (page) => Number((await counts(page)).split(' ')[0].replace(/[^0-9]/g, '')) || 0;
const actorIds = (page) => page.$$eval('#svg g.actor[data-id]', (els) => els.map((e) => e.getAttribute('data-id')));
const rootClass = (page) => page.$eval('#svg svg', (e) => e.getAttribute('class') || '');
// Clicks a point of a drawn line where nothing covers it (as a user
// would), e.g. a graph edge or a message arrow.
async function clickLine(page, selector, titleRe = '') {
  const pt = await page.evaluate(([sel, re]) => {
    // Biggest first: a user aims at what is easy to hit.
    const title = (el) => { const t = el.closest('[data-id]').querySelector('title'); return t ? t.textContent : ''; };
    const els = Array.from(document.querySelectorAll(sel)).filter((el) => !re || new RegExp(re).test(title(el)))
      .map((el) => [el, el.getBoundingClientRect()])
      .filter(([, r]) => r.width * r.height > 0 || r.width + r.height > 10)
      .sort((a, b) => (b[1].width + 1) * (b[1].height + 1) - (a[1].width + 1) * (a[1].height + 1));
    for (const [el, r] of els) {
      const cands = [[r.left + r.width / 2, r.top + r.height / 2]];
      if (el.getTotalLength) {
        const len = el.getTotalLength(), m = el.getScreenCTM();
        for (const f of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
          const p = el.getPointAtLength(len * f);
          cands.push([m.a * p.x + m.c * p.y + m.e, m.b * p.x + m.d * p.y + m.f]);
        }
      }
      for (let [x, y] of cands) {
        x = Math.round(x); y = Math.round(y);
        const top = document.elementFromPoint(x, y);
        if (top && top.closest('[data-id]') === el.closest('[data-id]'))
          return { x, y, id: el.closest('[data-id]').getAttribute('data-id') };
      }
    }
    return null;
  }, [selector, titleRe]);
  if (!pt) throw new Error('no clickable ' + selector + ' ' + titleRe);
  await page.mouse.click(pt.x, pt.y);
  return pt.id;
}

// On a timeout, say what the page showed.
async function explain(page, e) {
  console.log('page details: ' + await page.$eval('#details-body', (x) => x.textContent) +
              '\npage toast: ' + await page.$eval('#toast', (x) => x.textContent));
  await page.screenshot({ path: join(shots, 'failure.png') });
  throw e;
}

async function shot(page, name) {
  const path = join(shots, name + '.png');
  await page.screenshot({ path });
  check(statSync(path).size > 10000, 'screenshot ' + name + '.png written');
}

async function consoleTest() {
  const s = await startServe(cli, ['--replay', join(SRC, 'data/traces/mswitch-rpc.json'), '--speed', '2', '--loop', '-q']);
  servers.push(s);
  const page = await newPage();
  await page.goto(s.url);
  await until(async () => (await page.$('#svg svg g.actor')) !== null, 'first frame with actors');
  check((await page.$eval('#conn', (e) => e.textContent)) === 'connected', 'connection state shows connected');
  check((await rootClass(page)).includes('graph'), 'graph view shown first');

  // Live: the event count and the drawn graph grow while the replay plays.
  const e0 = await events(page);
  await until(async () => (await events(page)) > e0 + 20, 'live event count to grow', 15000);
  const ids = await actorIds(page);
  check(ids.includes('xapi:15859') && ids.includes('org.xen.xapi.xenops.classic'),
        'live graph shows the broker actors (' + ids.length + ' actors)');
  check((await page.$$('#svg g.edge')).length >= 3, 'live graph shows message flows');
  check((await page.$$('#actors tbody tr')).length >= 5, 'actor table has rows');
  await sleep(1500);
  await shot(page, 'live-graph');

  // Sorting the table by name puts names in order.
  await page.click('#actors th[data-key="name"]');
  // Cells show each name's shortest unique form; the row keeps the name.
  const names = await page.$$eval('#actors tbody tr', (t) => t.map((e) => e.dataset.actor));
  check(names.join('\n') === [...names].sort((a, b) => a.localeCompare(b)).join('\n'), 'table sorts by name');

  // Pause: the window stops moving while events keep arriving.
  await page.click('#live');
  check((await page.$eval('#live', (e) => e.textContent)).includes('Paused'), 'pause button shows paused');
  // A frame asked for before the pause can still arrive after it (late on
  // a busy machine): the paused window is read once it has settled.
  const r1 = await until(async () => {
    const r = await page.$eval('#range', (e) => e.textContent);
    await sleep(500);
    return (await page.$eval('#range', (e) => e.textContent)) === r ? r : null;
  }, 'the paused window to settle', 15000);
  const p0 = await events(page);
  await until(async () => (await events(page)) > p0 + 5, 'events keep arriving while paused', 15000);
  await sleep(300);
  check((await page.$eval('#range', (e) => e.textContent)) === r1, 'paused window stays fixed (' + r1 + ')');
  await page.click('#live');
  await until(async () => (await page.$eval('#range', (e) => e.textContent)) !== r1, 'live again moves the window', 15000);

  // Filter: only flows touching squeezed* remain.
  await page.fill('#filter', 'squeezed*');
  await until(async () => {
    const a = await actorIds(page);
    return a.length > 0 && a.length < ids.length && a.some((x) => x.startsWith('squeezed')) ? a : null;
  }, 'filtered graph');
  const edges = await page.$$eval('#svg g.edge', (els) => els.map((e) => [e.dataset.from, e.dataset.to]));
  check(edges.length > 0 && edges.every(([f, t]) => /squeezed/.test(f) || /squeezed/.test(t)),
        'filter keeps only flows touching squeezed* (' + edges.length + ')');
  await shot(page, 'filter');
  await page.fill('#filter', '/[/');
  await until(async () => !(await page.$eval('#toast', (e) => e.classList.contains('hidden'))), 'bad regex error shown');
  check(/regex|filter|pattern/i.test(await page.$eval('#toast', (e) => e.textContent)), 'bad regex explained');
  await page.fill('#filter', '');

  // Grouping folds the xapi sessions into one node.
  await page.fill('#groups', 'xapi:*');
  await until(async () => (await actorIds(page)).includes('xapi:*'), 'grouped node');
  check(!(await actorIds(page)).includes('xapi:15859'), 'grouped actors are folded into "xapi:*"');
  await shot(page, 'groups');
  await page.fill('#groups', '');
  await until(async () => (await actorIds(page)).includes('xapi:15859'), 'ungrouped again');

  // Click an actor for details.
  await until(async () => (await actorIds(page)).length === ids.length || (await actorIds(page)).length > 5, 'unfiltered graph back');
  await page.click('#svg g.actor[data-id="xapi:15859"] circle, #svg g.actor[data-id="xapi:15859"] rect', { force: true });
  await until(async () => !(await page.$eval('#details', (e) => e.classList.contains('hidden'))), 'actor details');
  const d1 = await page.$eval('#details-body', (e) => e.textContent);
  check(d1.includes('xapi:15859') && /Sent/.test(d1), 'actor details name the actor and its counts');
  // ... and an edge (graph edges are "e<from>-<to>" ids).
  const edgeId = await clickLine(page, '#svg g.edge path');
  check(/^e\d+-\d+$/.test(edgeId), 'clicked edge ' + edgeId);
  await until(async () => (await page.$eval('#details-body h3', (e) => e.textContent)).includes('→'), 'edge details: ' +
              await page.$eval('#toast', (e) => e.textContent) + ' / ' + await page.$eval('#details-body', (e) => e.textContent));
  const d2 = await page.$eval('#details-body', (e) => e.textContent);
  check(/Messages in window/.test(d2) && /Rate/.test(d2), 'edge details show window count and rate');
  await shot(page, 'details-edge');

  // Sequence view; click a message arrow for its details.
  await page.click('.seg button[data-view="sequence"]');
  await until(async () => (await rootClass(page)).includes('sequence'), 'sequence view');
  await until(async () => (await page.$$('#svg g.message')).length > 0, 'messages in the sequence chart');
  // A user pauses to pick one arrow of a chart that scrolls with time.
  await page.click('#live');
  await sleep(300);
  await clickLine(page, '#svg g.message[data-id] path, #svg g.message[data-id] line', '^response');
  await until(async () => /From/.test(await page.$eval('#details-body', (e) => e.textContent)) &&
                          /In mailbox|pending/.test(await page.$eval('#details-body', (e) => e.textContent)), 'message details')
    ;
  const d3 = await page.$eval('#details-body', (e) => e.textContent);
  check(/From/.test(d3) && /To/.test(d3) && /Sent/.test(d3), 'message details show ends and times');
  check(/Answers/.test(d3) && /Round trip/.test(d3), 'a response names its request and the round trip');
  // The paired request is one click away.
  const h3 = await page.$eval('#details-body h3', (e) => e.textContent);
  await page.click('#details-body button.link');
  await until(async () => (await page.$eval('#details-body h3', (e) => e.textContent)) !== h3, 'paired request details');
  check(/Answered by/.test(await page.$eval('#details-body', (e) => e.textContent)), 'the request names its response');
  await shot(page, 'sequence-details');

  // Timeline view; click a processing span.
  await page.click('#live'); // live again
  await page.click('.seg button[data-view="timeline"]');
  await until(async () => (await rootClass(page)).includes('timeline'), 'timeline view', 10000);
  await until(async () => (await page.$$('#svg g.span[data-id]')).length > 0, 'spans in the timeline');
  await page.click('#close-details');
  await page.click('#live');
  await sleep(300);
  const spanId = await clickLine(page, '#svg g.span[data-id] rect');
  await until(async () => !(await page.$eval('#details', (e) => e.classList.contains('hidden'))), 'span details');
  const ds = await page.$eval('#details-body', (e) => e.textContent);
  check(/Processing|Duration|From/.test(ds), 'span ' + spanId + ' details: its message or its duration (' + ds.slice(0, 60) + ')');
  await shot(page, 'timeline');

  // Light theme, back to the graph, live.
  await page.click('#live');
  await page.click('#theme');
  await page.click('.seg button[data-view="graph"]');
  await until(async () => (await rootClass(page)).includes('graph') && (await rootClass(page)).includes('light'), 'light graph');
  check((await page.evaluate(() => document.documentElement.dataset.theme)) === 'light', 'page in light theme');
  await sleep(500);
  await shot(page, 'light-graph');

  // Reconnect: the page follows a restarted service on the same port.
  // Reconnect: the service restarts on the same port; the page shows it
  // and follows the new one by itself.
  await stopServe(s);
  servers.splice(servers.indexOf(s), 1);
  await until(async () => /reconnecting/.test(await page.$eval('#conn', (e) => e.textContent)), 'reconnecting shown');
  check(true, 'connection loss shown');
  const s2 = await startServe(cli, ['-p', String(s.port), '--replay', join(SRC, 'data/traces/akka-supervision.ndjson'), '--speed', '0', '-q']);
  servers.push(s2);
  await until(async () => (await page.$eval('#conn', (e) => e.textContent)) === 'connected' &&
                          (await actorIds(page)).some((a) => a.startsWith('/user')), 'reconnected to the new service', 20000);
  check(true, 'page reconnected by itself and shows the new service\'s actors');
  check(page.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED/.test(e)).length === 0,
        'no page errors (' + page.errors.join('; ') + ')');
}

async function hostileTest() {
  const s = await startServe(cli, ['--replay', join(SRC, 'data/traces/hostile.ndjson'), '--speed', '0', '-q']);
  servers.push(s);
  const page = await newPage();
  await page.goto(s.url);
  await until(async () => (await page.$$('#svg g.actor')).length > 3, 'hostile actors drawn');
  await sleep(1000);
  const svgText = await page.$eval('#svg', (e) => e.textContent);
  // Cells show the shortest unique form of each name, the full name is the
  // cell's tooltip: both are text.
  const table = await page.$eval('#actors', (e) => e.textContent + [...e.querySelectorAll('td.name')].map((td) => td.title).join('\n'));
  check(svgText.includes('<script>') || table.includes('<script>alert(1)</script>'), 'the <script> actor shows as text');
  check(table.includes('onerror=alert(2)'), 'the <img onerror> actor shows as text');
  check((await page.$$('#svg script, #svg img, #svg foreignObject, #actors img, #actors script')).length === 0,
        'no script/img elements injected');
  check(page.dialogs.length === 0, 'no alert ran');
  for (const view of ['sequence', 'timeline']) {
    await page.click('.seg button[data-view="' + view + '"]');
    await until(async () => (await rootClass(page)).includes(view), 'hostile ' + view);
  }
  await page.click('#actors tbody tr');
  await until(async () => !(await page.$eval('#details', (e) => e.classList.contains('hidden'))), 'hostile details');
  await sleep(500);
  await shot(page, 'hostile');
  check(page.dialogs.length === 0 && page.errors.length === 0, 'hostile trace: no dialog, no page error');
}

let currentPage = null;
const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS,
  env: { ...process.env, HOME: tempDir('home') } });
const servers = [];
try {
  await consoleTest();
  await hostileTest();
} catch (e) {
  await reportPageFailure(currentPage, shots, 'failure', servers);
  throw e;
} finally {
  await browser.close();
  for (const s of servers) await stopServe(s);
}
console.log('all browser checks passed; screenshots in ' + shots);

// Browser test of the console's focus tools (issue 13, second round):
// Debian's chromium driven by playwright-core against a real `actorscope
// serve` replaying the bundled Akka sample. A drag down the sequence
// chart's time labels selects a time range (the frame's row_times map
// heights to times) and shows its statistics; Escape clears it.
// Selecting an actor, a message or an edge highlights its flows and dims
// the rest, in all three views; Escape clears it. An actor's card pins
// its lane to the top of the timeline and sequence chart, kept in the URL.
// Screenshots at 390x844, 1280x800 and 1920x1080 are kept in
// ACTORSCOPE_SCREENSHOT_DIR or the build dir.
//   node tests/test-web-console-focus.mjs BUILD/app/actorscope [range|flows|pins]
import { existsSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { SRC, require, tempDir, check, sleep, until, startServe, stopServe, CHROMIUM_ARGS,
  openRecordedPage, keepShot, reportPageFailure } from './web-common.mjs';

const [cli, part] = process.argv.slice(2);
if (!cli || (part && !['range', 'flows', 'pins'].includes(part)))
  throw new Error('usage: test-web-console-focus.mjs ACTORSCOPE [range|flows|pins]');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromiumPath)) { console.log('SKIP: no chromium at ' + chromiumPath); process.exit(77); }
const shots = process.env.ACTORSCOPE_SCREENSHOT_DIR || join(dirname(dirname(cli)), 'screenshots-console');
mkdirSync(shots, { recursive: true });
const { chromium } = require('playwright-core');
const serveEnv = { env: { ...process.env, ACTORSCOPE_DATA_DIR: 'none' } };
const SIZES = [[390, 844], [1280, 800], [1920, 1080]];

let browser = null, currentPage = null;
const servers = [];

async function newPage(width, height) {
  currentPage = await openRecordedPage(browser, width, height);
  return currentPage;
}
const shot = (page, name) => keepShot(page, shots, name);
const timebar = (page) => page.$eval('#timebar-text', (e) => e.textContent);

// A drag down the sequence chart's time labels, from 25 % to 45 % of the
// rows the frame lists: the selection's times are those rows' times, and
// the statistics count the messages sent in it.
// One page, resized to each size in turn (a paused window keeps the rows).
async function sequenceRangeTest(s) {
  const page = await newPage(SIZES[0][0], SIZES[0][1]);
  await page.goto(s.url + '#view=sequence&window=0');
  await until(async () => (await page.$$('#svg g.message')).length > 20, 'sequence chart');
  await until(async () => page.evaluate(() => !!window.actorscopeState.rowTimes), 'frame with row times');
  // Pause first: the rows then stay where they are.
  await page.click('#live');
  for (const [w, h] of SIZES) await sequenceRangeAt(page, w, h);
  check(page.errors.length === 0, 'no page errors (' + page.errors.join('; ') + ')');
  await page.context().close();
}

async function sequenceRangeAt(page, w, h) {
  await page.setViewportSize({ width: w, height: h });
  // The frame for the new width (the resize is sent after 200 ms).
  await sleep(700);
  const plan = await page.evaluate(() => {
    const st = window.actorscopeState, r = st.rowTimes, svg = document.querySelector('#svg svg');
    const m = svg.getScreenCTM(), labels = svg.querySelector('g.axis').getBBox();
    // Rows within the stage's first screenful: no scrolling while dragging.
    const stage = document.querySelector('#stage').getBoundingClientRect();
    const onScreen = r.y.map((y, i) => i).filter((i) => m.d * r.y[i] + m.f > stage.top + 60 && m.d * r.y[i] + m.f < stage.bottom - 10);
    const i0 = onScreen[Math.floor(onScreen.length * 0.1)], i1 = onScreen[Math.floor(onScreen.length * 0.8)];
    return { x: m.a * (labels.x + labels.width / 2) + m.e, y0: m.d * r.y[i0] + m.f, y1: m.d * r.y[i1] + m.f,
      t0: r.t0_ms + r.dt_ms[i0], t1: r.t0_ms + r.dt_ms[i1], rows: r.y.length };
  });
  check(plan.rows > 20 && plan.y1 > plan.y0 + 20, 'rows to drag over (' + JSON.stringify(plan) + ')');
  await page.mouse.move(plan.x, plan.y0);
  await page.mouse.down();
  await page.mouse.move(plan.x, plan.y1, { steps: 6 });
  await page.mouse.up();
  await until(async () => /Selection .* messages sent/.test(await timebar(page)), 'sequence range statistics at ' + w);
  const sel = await page.evaluate(() => window.actorscopeState.timeSel);
  // The times of the rows under the pointer (within a pixel's worth).
  const tol = Math.max(0.01, (plan.t1 - plan.t0) * 0.02);
  check(Math.abs(sel[0] - plan.t0) <= tol && Math.abs(sel[1] - plan.t1) <= tol,
    'selected range is the rows\' times: ' + JSON.stringify(sel) + ' vs ' + plan.t0 + '..' + plan.t1);
  const text = await timebar(page);
  const sent = Number(/(\d+) messages? sent/.exec(text)[1]);
  // The messages whose send times lie in the range, counted from the store by `stats`-like data: the drawn arrows.
  const drawn = await page.evaluate(([a, b]) => {
    // Each message's send time is in its row: the frame's rows list the
    // times; count rows of messages (not bins) between a and b.
    const r = window.actorscopeState.rowTimes;
    return r.dt_ms.filter((d) => r.t0_ms + d >= a - 1e-6 && r.t0_ms + d <= b + 1e-6).length;
  }, sel);
  check(sent >= drawn - 1 && sent > 0, 'statistics count the messages sent in the range: ' + text + ' (rows in range ' + drawn + ')');
  check(await page.$eval('#time-selection', (e) => e.classList.contains('rows') && e.getBoundingClientRect().height > 15),
    'the range drawn as a band across the chart');
  await shot(page, 'console-sequence-range-' + w + 'x' + h);
  await page.keyboard.press('Escape');
  check(!/Selection/.test(await timebar(page)), 'Escape clears the range');
  check((await page.$('#time-selection')) === null, 'and its band');
}

// What the picture highlights: the flow elements and the dimmed rest.
const flowState = (page) => page.evaluate(() => {
  const svg = document.querySelector('#svg svg');
  if (!svg) return { active: false, messages: [], otherMessages: [], edges: [], otherEdges: [], actors: [] };
  const ends = (g) => {
    const line = (g.querySelector('title') || { textContent: '' }).textContent.split('\n')[1] || '';
    return line.split(' \u2192 ');
  };
  const op = (el) => el ? Number(getComputedStyle(el).opacity) : null;
  return {
    active: svg.classList.contains('flow-active'),
    messages: [...svg.querySelectorAll('g.message.flow')].map((g) => ({ id: g.getAttribute('data-id'), ends: ends(g) })),
    otherMessages: [...svg.querySelectorAll('g.message:not(.flow)')].map((g) => ends(g)),
    edges: [...svg.querySelectorAll('g.edge.flow')].map((g) => [g.getAttribute('data-from'), g.getAttribute('data-to')]),
    otherEdges: [...svg.querySelectorAll('g.edge:not(.flow)')].map((g) => [g.getAttribute('data-from'), g.getAttribute('data-to')]),
    actors: [...new Set([...svg.querySelectorAll('g.actor.flow')].map((g) => g.getAttribute('data-id')))],
    dimMessage: op(svg.querySelector('g.message:not(.flow)')), dimEdge: op(svg.querySelector('g.edge:not(.flow)')),
    litMessage: op(svg.querySelector('g.message.flow')), dimActor: op(svg.querySelector('g.actor:not(.flow)')),
  };
});

async function flowTest(s) {
  const api = '/user/api';
  // Graph, 1280x800: a table row selects the actor; its edges light up.
  let page = await newPage(1280, 800);
  await page.goto(s.url + '#view=graph&window=0');
  await until(async () => (await page.$$('#svg g.edge')).length > 10, 'graph');
  await page.click('#actors tbody tr[data-actor="' + api + '"]');
  await until(async () => (await flowState(page)).active, 'flows shown for the selected actor');
  let f = await flowState(page);
  check(f.edges.length > 0 && f.edges.every((e) => e.includes(api)), 'every lit edge touches ' + api + ' (' + f.edges.length + ')');
  check(f.otherEdges.length > 0 && f.otherEdges.every((e) => !e.includes(api)), 'every other edge is dimmed: none touches it');
  check(f.dimEdge < 0.3, 'the rest dimmed (opacity ' + f.dimEdge + ')');
  const partners = new Set(f.edges.flat());
  check(f.actors.length === partners.size && f.actors.every((a) => partners.has(a)), 'the actor and its partners stay lit: ' + f.actors.join(', '));
  check(f.dimActor !== null && f.dimActor < 0.6, 'unrelated actors half dimmed');
  await shot(page, 'console-flow-graph-1280x800');
  await page.keyboard.press('Escape');
  await until(async () => !(await flowState(page)).active, 'Escape clears the highlight');
  await until(async () => !/select=/.test(page.url()), 'and the selection in the URL');
  check(page.errors.length === 0, 'no page errors (' + page.errors.join('; ') + ')');
  await page.context().close();

  // Sequence, 1920x1080: the selection in the URL highlights on load; a
  // click on a message lights it and its response.
  page = await newPage(1920, 1080);
  await page.goto(s.url + '#view=sequence&window=0&select=' + encodeURIComponent(api));
  await until(async () => (await page.$$('#svg g.message')).length > 20, 'sequence');
  await until(async () => (await flowState(page)).messages.length > 0, 'the selected actor\'s messages lit');
  f = await flowState(page);
  check(f.messages.every((m) => m.ends.includes(api)), 'every lit arrow is sent or received by ' + api + ' (' + f.messages.length + ')');
  check(f.otherMessages.length > 0 && f.otherMessages.every((e) => !e.includes(api)), 'no arrow of ' + api + ' left dimmed');
  check(f.dimMessage < 0.3 && f.litMessage === 1, 'the rest dimmed');
  await shot(page, 'console-flow-sequence-1920x1080');
  await page.keyboard.press('Escape');
  await until(async () => !(await flowState(page)).active, 'Escape clears it');
  // A request that was answered: its card names the response.
  await page.click('#live');
  await sleep(500);
  const request = await page.evaluate(() => {
    for (const g of document.querySelectorAll('#svg g.message[data-id]')) {
      const t = g.querySelector('title').textContent;
      if (/^SubmitResizeImage\n/.test(t)) { const r = g.querySelector('path').getBoundingClientRect(); return { id: g.getAttribute('data-id'), x: r.left + r.width / 2, y: r.top + r.height / 2 }; }
    }
    return null;
  });
  check(request !== null, 'a request drawn');
  await page.evaluate((id) => document.querySelector('#svg g.message[data-id="' + id + '"]').scrollIntoView({ block: 'center', inline: 'center' }), request.id);
  const box = await page.$eval('#svg g.message[data-id="' + request.id + '"] text', (e) => { const r = e.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; });
  await page.mouse.click(box.x, box.y);
  await until(async () => (await page.$$('#details-body button[data-message]')).length > 0, 'the request\'s card links its response');
  const response = await page.$eval('#details-body button[data-message]', (b) => b.dataset.message);
  await until(async () => (await flowState(page)).messages.map((m) => m.id).sort().join() === [request.id, response].sort().join(),
    'the message and its response lit, nothing else').catch(async (e) => { console.log(JSON.stringify((await flowState(page)).messages)); throw e; });
  f = await flowState(page);
  check(f.actors.length >= 2, 'both ends lit: ' + f.actors.join(', '));
  await page.keyboard.press('Escape');
  await until(async () => !(await flowState(page)).active, 'Escape clears the message\'s flow');
  check(page.errors.length === 0, 'no page errors (' + page.errors.join('; ') + ')');
  await page.context().close();

  // Timeline, 390x844: the lane's flows over a phone's width.
  page = await newPage(390, 844);
  await page.goto(s.url + '#view=timeline&window=0&select=' + encodeURIComponent(api));
  await until(async () => (await flowState(page)).messages.length > 0, 'timeline flows');
  f = await flowState(page);
  check(f.messages.every((m) => m.ends.includes(api)) && f.otherMessages.every((e) => !e.includes(api)), 'timeline: exactly ' + api + '\'s lines lit');
  check(f.actors.includes(api) && f.actors.length > 1, 'its lane and its partners\' lanes lit');
  await shot(page, 'console-flow-timeline-390x844');
  await page.keyboard.press('Escape');
  await until(async () => !(await flowState(page)).active, 'Escape clears it');
  check(page.errors.length === 0, 'no page errors (' + page.errors.join('; ') + ')');
  await page.context().close();
}

// The lanes top to bottom (timeline) or left to right (sequence header).
const laneOrder = (page) => page.evaluate(() => {
  const svg = document.querySelector('#svg svg');
  if (!svg) return [];
  const seq = svg.classList.contains('sequence');
  const head = seq ? svg.querySelector('g.header') : svg;
  const lanes = [...(head || svg).querySelectorAll('g.actor[data-id]')].map((g) => {
    const r = g.querySelector('rect');
    return { id: g.getAttribute('data-id'), pos: Number(r.getAttribute(seq ? 'x' : 'y')), pinned: g.classList.contains('pinned') };
  });
  return lanes.sort((a, b) => a.pos - b.pos);
});

async function pinTest(s) {
  const page = await newPage(1280, 800);
  await page.goto(s.url + '#view=timeline&window=0');
  await until(async () => (await laneOrder(page)).length > 10, 'timeline lanes');
  const before = (await laneOrder(page)).map((l) => l.id);
  const cache = before.find((id) => /\/cache$/.test(id)), db = before.find((id) => /\/db$/.test(id));
  check(before.indexOf(cache) > 5 && before.indexOf(db) > 5, 'cache and db start far down (' + before.indexOf(cache) + ', ' + before.indexOf(db) + ')');
  for (const name of [cache, db]) {
    // Keyboard: the row may sit under the card's end in a short side panel.
    await page.focus('#actors tbody tr[data-actor="' + name + '"]');
    await page.keyboard.press('Enter');
    await until(async () => (await page.$eval('#details-body h3', (e) => e.textContent).catch(() => '')) === name, 'card of ' + name);
    await page.click('#pin-actor');
  }
  await until(async () => { const o = await laneOrder(page); return o[0].id === cache && o[1].id === db; }, 'the pinned lanes on top, in pin order')
    .catch(async (e) => { console.log(JSON.stringify((await laneOrder(page)).slice(0, 4))); throw e; });
  let o = await laneOrder(page);
  check(o[0].pinned && o[1].pinned && !o[2].pinned, 'pinned lanes marked');
  check(JSON.stringify(o.slice(2).map((l) => l.id)) === JSON.stringify(before.filter((id) => id !== cache && id !== db)),
    'the other lanes keep their order');
  check(await page.$eval('#pin-actor', (b) => b.textContent === 'Unpin lane' && b.getAttribute('aria-pressed') === 'true'), 'the card offers to unpin');
  await until(async () => decodeURIComponent(page.url()).includes('pin=' + cache), 'pins in the URL');
  await page.keyboard.press('Escape');
  await shot(page, 'console-pinned-timeline-1280x800');
  // Reload: still pinned; the sequence chart pins them too.
  await page.reload();
  await until(async () => { const l = await laneOrder(page); return l.length > 2 && l[0].id === cache && l[1].id === db; }, 'pins kept over a reload');
  await page.click('.seg button[data-view="sequence"]');
  await until(async () => { const l = await laneOrder(page); return (await page.$('#svg svg.sequence')) && l[0].id === cache && l[1].id === db; },
    'the sequence chart\'s first columns are the pinned lanes');
  await shot(page, 'console-pinned-sequence-1280x800');
  // Unpin one from its card.
  await page.focus('#actors tbody tr[data-actor="' + cache + '"]');
  await page.keyboard.press('Enter');
  await until(async () => (await page.$eval('#pin-actor', (b) => b.textContent).catch(() => '')) === 'Unpin lane', 'card of a pinned lane');
  await page.click('#pin-actor');
  await until(async () => { const l = await laneOrder(page); return l[0].id === db && l[0].pinned && !l.find((x) => x.id === cache).pinned; }, 'unpinned');
  await until(async () => !decodeURIComponent(page.url()).includes('pin=' + cache), 'and out of the URL');
  check(page.errors.length === 0, 'no page errors (' + page.errors.join('; ') + ')');
  await page.context().close();

  // A phone and a big screen: the URL pins the lane.
  for (const [w, h] of [[390, 844], [1920, 1080]]) {
    const p = await newPage(w, h);
    await p.goto(s.url + '#view=timeline&window=0&pin=' + encodeURIComponent(db));
    await until(async () => { const l = await laneOrder(p); return l.length > 2 && l[0].id === db && l[0].pinned; }, 'pinned from the URL at ' + w);
    await shot(p, 'console-pinned-timeline-' + w + 'x' + h);
    check(p.errors.length === 0, 'no page errors (' + p.errors.join('; ') + ')');
    await p.context().close();
  }
}

// The hostile sample: lanes named with markup pinned and selected from
// the URL; the names stay text (lane order, flows, the card's button).
async function hostilePinTest() {
  const s = await startServe(cli, ['--replay', join(SRC, 'data/traces/hostile.ndjson'), '--speed', '0', '-q'], serveEnv);
  servers.push(s);
  const evil = ['data:text/html,<script>window.__pwned(7)</script>', 'javascript:window.__pwned(6)'];
  const page = await newPage(1280, 800);
  await page.goto(s.url + '#view=timeline&window=0&pin=' + encodeURIComponent(evil[0]) + '&pin=' +
    encodeURIComponent(evil[1]) + '&select=' + encodeURIComponent(evil[0]));
  await until(async () => { const l = await laneOrder(page); return l.length > 2 && l[0].id === evil[0] && l[1].id === evil[1]; },
    'hostile names pinned on top');
  await until(async () => (await flowState(page)).active, 'and the selected one\'s flows lit');
  await until(async () => (await page.$('#pin-actor')) !== null, 'its card with the pin button');
  check(await page.$eval('#details-body h3', (e) => e.textContent) === evil[0], 'the card names it as text');
  check((await page.$$('#svg script, #side script, #svg foreignObject, #side iframe')).length === 0, 'nothing injected');
  check(await page.evaluate(() => window.__pwned === undefined) && page.dialogs.length === 0, 'nothing ran');
  check(page.errors.length === 0, 'no page errors (' + page.errors.join('; ') + ')');
  await page.context().close();
  await stopServe(s);
  servers.splice(servers.indexOf(s), 1);
}

browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS,
  env: { ...process.env, HOME: tempDir('home') } });
try {
  const s = await startServe(cli, ['--replay', join(SRC, 'data/traces/akka-supervision.ndjson'), '--speed', '0', '-q'], serveEnv);
  servers.push(s);
  // Each part alone (a meson test each) or all of them.
  if (!part || part === 'range') await sequenceRangeTest(s);
  if (!part || part === 'flows') await flowTest(s);
  if (!part || part === 'pins') { await pinTest(s); await hostilePinTest(); }
} catch (e) {
  await reportPageFailure(currentPage, shots, 'console-focus-failure', servers);
  throw e;
} finally {
  await browser.close();
  for (const s of servers) await stopServe(s);
}
console.log('all console focus checks passed; screenshots in ' + shots);

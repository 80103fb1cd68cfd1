// Browser test of the console's focus tools (issue 13, second round):
// Debian's chromium driven by playwright-core against a real `actorscope
// serve` replaying the bundled Akka sample. A drag down the sequence
// chart's time labels selects a time range (the frame's row_times map
// heights to times) and shows its statistics; Escape clears it.
// Screenshots at 390x844, 1280x800 and 1920x1080 are kept in
// ACTORSCOPE_SCREENSHOT_DIR or the build dir.
//   node tests/test-web-console-focus.mjs BUILD/app/actorscope
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { SRC, require, tempDir, check, sleep, until, startServe, stopServe, CHROMIUM_ARGS } from './web-common.mjs';

const cli = process.argv[2];
if (!cli) throw new Error('usage: test-web-console-focus.mjs ACTORSCOPE');
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
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.errors = [];
  page.dialogs = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss(); });
  currentPage = page;
  return page;
}
async function shot(page, name) {
  const path = join(shots, name + '.png');
  await page.screenshot({ path });
  check(statSync(path).size > 5000, 'screenshot ' + path);
}
const timebar = (page) => page.$eval('#timebar-text', (e) => e.textContent);

// A drag down the sequence chart's time labels, from 25 % to 45 % of the
// rows the frame lists: the selection's times are those rows' times, and
// the statistics count the messages sent in it.
async function sequenceRangeTest(s, w, h) {
  const page = await newPage(w, h);
  await page.goto(s.url + '#view=sequence&window=0');
  await until(async () => (await page.$$('#svg g.message')).length > 20, 'sequence chart at ' + w + 'x' + h);
  await until(async () => page.evaluate(() => !!window.actorscopeState.rowTimes), 'frame with row times');
  // Pause first: the rows then stay where they are.
  await page.click('#live');
  await sleep(600);
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
  check(page.errors.length === 0, 'no page errors (' + page.errors.join('; ') + ')');
  await page.context().close();
}

browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS,
  env: { ...process.env, HOME: tempDir('home') } });
try {
  const s = await startServe(cli, ['--replay', join(SRC, 'data/traces/akka-supervision.ndjson'), '--speed', '0', '-q'], serveEnv);
  servers.push(s);
  for (const [w, h] of SIZES) await sequenceRangeTest(s, w, h);
} catch (e) {
  if (currentPage) {
    await currentPage.screenshot({ path: join(shots, 'console-focus-failure.png') }).catch(() => {});
    console.log('page showed: toast "' + await currentPage.$eval('#toast', (x) => x.textContent).catch(() => '') +
                '", errors: ' + currentPage.errors.join('; '));
  }
  for (const s of servers) console.log('serve stderr:\n' + s.stderr());
  throw e;
} finally {
  await browser.close();
  for (const s of servers) await stopServe(s);
}
console.log('all console focus checks passed; screenshots in ' + shots);

// Browser test of the live graph's transitions (Debian's chromium through
// playwright-core, a real `actorscope serve`): when the topology changes
// (new actors join a ring), the page keeps the elements of the actors
// and edges it already showed (the same DOM nodes, not re-created), moves
// them from their old to their new place with a short animation, and fades
// the new actors in; with prefers-reduced-motion nothing animates, and the
// elements are still kept. The page receives updates (its hello declares
// them).
//   node tests/test-web-transitions.mjs BUILD/app/actorscope
import net from 'node:net';
import { existsSync } from 'node:fs';
import { require, tempDir, check, sleep, until, startServe, stopServe, CHROMIUM_ARGS } from './web-common.mjs';

const cli = process.argv[2];
if (!cli) throw new Error('usage: test-web-transitions.mjs ACTORSCOPE');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromiumPath)) { console.log('SKIP: no chromium at ' + chromiumPath); process.exit(77); }
const { chromium } = require('playwright-core');
const T0 = 1767225600000000000n;
const ev = (ms, o) => JSON.stringify({ ts: String(T0 + BigInt(ms) * 1000000n), ...o }).replace(/"ts":"(\d+)"/, '"ts":$1') + '\n';

// Messages around a ring of the given actors (the ring closes).
let t = 0, id = 0;
function ring(names, rounds) {
  let text = '';
  for (let r = 0; r < rounds; r++)
    for (let k = 0; k < names.length; k++, t += 2) {
      const from = names[k], to = names[(k + 1) % names.length];
      id++;
      text += ev(t, { ev: 'send', from, to, id, label: 'Ping' }) + ev(t + 1, { ev: 'receive', actor: to, id });
    }
  return text;
}

// Each actor's and edge's element gets a property only this test sets:
// a kept element still has it after the next whole frame.
const tagItems = (page) => page.evaluate(() => {
  for (const g of document.querySelectorAll('#svg g.actor[data-id], #svg g.edge[data-from]'))
    g.__tag = g.getAttribute('data-id') + '|' + g.getAttribute('data-from') + '|' + g.getAttribute('data-to');
});
const items = (page) => page.evaluate(() => Array.from(
  document.querySelectorAll('#svg g.actor[data-id]'), (g) => {
    const c = g.querySelector('circle');
    return { id: g.getAttribute('data-id'), tag: g.__tag || null, cx: c && c.getAttribute('cx'), cy: c && c.getAttribute('cy') };
  }));
const edgesKept = (page) => page.evaluate(() => Array.from(
  document.querySelectorAll('#svg g.edge[data-from]'), (g) => !!g.__tag));

async function run(reducedMotion) {
  const what = reducedMotion ? 'reduced motion' : 'motion';
  const s = await startServe(cli, ['--listen', 'tcp://127.0.0.1:0', '-q']);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: reducedMotion ? 'reduce' : 'no-preference' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    const tcp = net.connect(Number(s.producers[0].split(':').pop()), '127.0.0.1');
    await new Promise((r) => tcp.on('connect', r));
    tcp.write('{"actorscope":1}\n' + ring(['alpha', 'beta', 'gamma'], 5));
    await page.goto(s.url);
    await until(async () => (await items(page)).length === 3, what + ': three actors drawn', 20000);
    // The page animates a change only after a calm second (not while the
    // topology changes frame after frame).
    await sleep(1500);
    await tagItems(page);
    const before = new Map((await items(page)).map((x) => [x.id, x]));
    const nEdges = (await edgesKept(page)).length;
    const stats0 = await page.evaluate(() => ({ ...window.actorscopeStats }));

    // Four actors join: new nodes, new edges, and (more new nodes than
    // known ones) a new layout: the service moves the known ones too.
    const all = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta'];
    tcp.write(ring(all, 5));
    await until(async () => (await items(page)).length === 7, what + ': the new actors drawn', 20000);
    // The animations the page started (counted: they last 300 ms).
    const stats1 = await page.evaluate(() => ({ ...window.actorscopeStats }));
    const running = stats1.animated - stats0.animated;
    const after = await items(page);
    const old = after.filter((x) => before.has(x.id));
    check(old.length === 3 && old.every((x) => x.tag !== null),
          `${what}: alpha, beta and gamma keep their elements (${old.map((x) => x.id + (x.tag ? ' kept' : ' new')).join(', ')})`);
    check(after.filter((x) => !before.has(x.id)).every((x) => x.tag === null), `${what}: the four new actors are new elements`);
    const moved = old.filter((x) => x.cx !== before.get(x.id).cx || x.cy !== before.get(x.id).cy);
    check(moved.length > 0, `${what}: the kept actors moved to the new layout (${moved.length} of 3)`);
    const kept = await edgesKept(page);
    check(kept.filter(Boolean).length >= Math.min(2, nEdges),
          `${what}: edges between kept actors keep their elements (${kept.filter(Boolean).length} of ${kept.length})`);
    if (reducedMotion)
      check(running === 0, `${what}: nothing animates (${running} animations)`);
    else
      check(running > 0, `${what}: the change animates (${running} animations)`);
    // Updates after it still land on the kept elements (their indexes).
    const title0 = await page.$eval('#svg g.actor[data-id="alpha"] title', (e) => e.textContent);
    tcp.write(ring(all, 3));
    await until(async () => (await page.$eval('#svg g.actor[data-id="alpha"] title', (e) => e.textContent)) !== title0,
                what + ': alpha\'s figures change after the transition', 20000);
    check((await items(page)).find((x) => x.id === 'alpha').tag !== null, `${what}: still the same alpha element`);
    // The page declares updates in its hello: frames of the same structure
    // come as updates.
    await until(async () => {
      tcp.write(ring(all, 1));
      return (await page.evaluate(() => window.actorscopeStats.updates)) > stats1.updates;
    }, what + ': the page receives updates', 20000, 200);
    check(errors.length === 0, `${what}: no page error (${errors.join('; ')})`);
    tcp.end();
  } finally {
    await context.close();
    await stopServe(s);
  }
}

const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS,
  env: { ...process.env, HOME: tempDir('home') } });
try {
  await run(false);
  await run(true);
} finally {
  await browser.close();
}
console.log('all transition checks passed');

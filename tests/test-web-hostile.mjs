// Browser proof that hostile trace strings stay inert text: Debian's chromium
// driven by playwright-core against `actorscope serve --replay` of
// data/traces/hostile.ndjson (names and labels full of markup that would call
// window.__pwned() if it ever ran, and references to 127.0.0.2:9 that must
// never be fetched), then the exported SVGs opened as documents.
//   (a) no script runs: window.__pwned is a sentinel exposed to the page, a
//       MutationObserver reports any script/iframe/img/object/embed/link
//       element or on* attribute ever inserted, dialogs are recorded;
//   (b) nothing external is fetched: every request is routed and must go to
//       the served 127.0.0.1 origin (or the exported file); no frame
//       navigates to data:/javascript:, no popup opens;
//   (c) the hostile text is visible as text (textContent has "<script>").
// Also: the service's /events stream parses as JSON and holds the names
// exactly as `actorscope convert` writes them.
//   node tests/test-web-hostile.mjs BUILD/app/actorscope
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SRC, require, tempDir, check, sleep, until, startServe, stopServe, openWs, CHROMIUM_ARGS } from './web-common.mjs';

const cli = process.argv[2];
if (!cli) throw new Error('usage: test-web-hostile.mjs ACTORSCOPE');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromiumPath)) { console.log('SKIP: no chromium at ' + chromiumPath); process.exit(77); }
const { chromium } = require('playwright-core');
const hostile = join(SRC, 'data/traces/hostile.ndjson');
const tmp = tempDir('hostile');

// The names of the trace as `convert` writes them (the reference text).
const converted = execFileSync(cli, ['convert', '-o', '-', hostile]).toString('utf8').split('\n').filter((l) => l);
const names = converted.map((l) => JSON.parse(l)).filter((o) => o.ev === 'actor').map((o) => o.actor);
check(names.some((n) => n.includes('<img src=x onerror=window.__pwned(1)>')), 'the trace names hostile actors (' + names.length + ')');

// What every page must not do, recorded from the outside.
function watch(context, allowed) {
  const w = { pwned: [], requests: [], blocked: [], navigations: [], dialogs: [], popups: [], injected: [] };
  context.exposeBinding('__pwned', (src, n) => { w.pwned.push(String(n)); });
  context.exposeBinding('__injected', (src, what) => { w.injected.push(String(what)); });
  // Before any page script: report active elements and event-handler
  // attributes whenever they appear in the live document.
  context.addInitScript(() => {
    const ACTIVE = new Set(['script', 'iframe', 'frame', 'img', 'image', 'object', 'embed', 'link', 'foreignobject',
      'set', 'animate', 'meta', 'base', 'form', 'video', 'audio', 'source']);
    // The page's own markup (head, scripts) is there by DOMContentLoaded:
    // only what arrives later counts.
    const initial = new WeakSet();
    let ready = false;
    document.addEventListener('DOMContentLoaded', () => {
      for (const el of document.querySelectorAll('*')) initial.add(el);
      ready = true;
    });
    const report = (el) => {
      if (el.nodeType !== 1 || !ready || initial.has(el)) return;
      const n = el.localName.toLowerCase();
      if (ACTIVE.has(n)) window.__injected('<' + n + '>');
      for (const a of Array.from(el.attributes || []))
        if (/^on/i.test(a.localName) || (/href|src$/i.test(a.localName) && /^\s*(javascript|data|https?|\/\/)/i.test(a.value)))
          window.__injected(n + ' ' + a.localName + '=' + a.value.slice(0, 60));
      for (const c of Array.from(el.children || [])) report(c);
    };
    const start = () => new MutationObserver((muts) => {
      for (const m of muts) {
        if (m.type === 'attributes') report(m.target);
        for (const nd of m.addedNodes || []) report(nd);
      }
    }).observe(document.documentElement, { subtree: true, childList: true, attributes: true });
    if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
    for (const f of ['alert', 'confirm', 'prompt', 'open'])
      window[f] = (...a) => window.__pwned(f + '(' + a.join(',') + ')');
  });
  context.route('**/*', (route) => {
    const url = route.request().url();
    w.requests.push(url);
    if (allowed(url)) route.continue();
    else { w.blocked.push(url); route.abort(); }
  });
  context.on('request', (r) => { if (!w.requests.includes(r.url())) w.requests.push(r.url()); });
  context.on('page', (p) => {
    p.on('dialog', (d) => { w.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    p.on('framenavigated', (f) => w.navigations.push(f.url()));
    p.on('popup', (pp) => w.popups.push(pp.url()));
  });
  return w;
}

function verdict(w, label, allowed) {
  check(w.pwned.length === 0, label + ': no injected script ran (sentinel calls: ' + JSON.stringify(w.pwned) + ')');
  check(w.dialogs.length === 0, label + ': no dialog opened');
  check(w.injected.length === 0, label + ': no active element or handler attribute entered the document (' +
        JSON.stringify(w.injected.slice(0, 5)) + ')');
  check(w.blocked.length === 0 && w.requests.every(allowed),
        label + ': all ' + w.requests.length + ' requests stay on the served origin (blocked: ' +
        JSON.stringify(w.blocked.slice(0, 5)) + ')');
  check(w.navigations.every((u) => allowed(u) || u === 'about:blank') && w.popups.length === 0,
        label + ': no navigation away, no popup (' + JSON.stringify(w.navigations) + ')');
}

// Clicks the centres of up to `max` elements matching sel that are on top
// at that point (what a user can click); returns how many were clicked.
async function clickEach(page, sel, max, after) {
  const pts = await page.evaluate(([s, m]) => {
    const out = [];
    for (const el of document.querySelectorAll(s)) {
      const r = el.getBoundingClientRect();
      if (r.width < 1 && r.height < 1) continue;
      const x = Math.round(r.left + r.width / 2), y = Math.round(r.top + r.height / 2);
      if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
      const top = document.elementFromPoint(x, y);
      if (top && (top === el || el.contains(top))) out.push([x, y]);
      if (out.length >= m) break;
    }
    return out;
  }, [sel, max]);
  for (const [x, y] of pts) {
    await page.mouse.move(x, y);
    await page.mouse.click(x, y);
    if (after) await after();
  }
  return pts.length;
}

const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS,
  env: { ...process.env, HOME: tempDir('home') } });
const servers = [];
try {
  // ---- the watchers themselves catch what they look for -----------------------
  {
    const ctx = await browser.newContext();
    const ww = watch(ctx, () => false);
    // (registered last, so it answers before the watcher's router)
    await ctx.route('http://selftest.invalid/**', (r) => r.fulfill({ contentType: 'text/html',
      body: '<p>self test</p><img src="http://127.0.0.2:9/self.png" onerror="window.__pwned(\'self\')">' }));
    const p = await ctx.newPage();
    await p.goto('http://selftest.invalid/');
    await p.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<img src="x" onmouseover="y">'));
    await until(() => ww.pwned.includes('self') && ww.injected.length > 0 &&
                      ww.blocked.includes('http://127.0.0.2:9/self.png'), 'self test of the watchers')
      .catch((e) => { console.log('# self test saw ' + JSON.stringify(ww)); throw e; });
    check(true, 'self test: the sentinel, the injection observer and the request router each catch their case');
    await ctx.close();
  }

  // ---- the live console -------------------------------------------------------
  const s = await startServe(cli, ['--replay', hostile, '--speed', '0', '-q']);
  servers.push(s);
  const origin = new URL(s.url).origin;
  const onOrigin = (u) => u.startsWith(origin + '/') || u.startsWith(origin.replace('http:', 'ws:') + '/');
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const w = watch(context, onOrigin);
  const page = await context.newPage();
  page.on('websocket', (ws) => w.requests.push(ws.url()));
  await page.goto(s.url);
  await until(async () => (await page.$$('#actors tbody tr')).length >= 20, 'hostile actors listed (' + names.length + ' in the trace)', 20000);
  console.log('# table rows: ' + (await page.$$('#actors tbody tr')).length);
  await until(async () => (await page.$$('#svg g.actor')).length > 3, 'hostile graph drawn');

  // (c) the names show as text: table, graph labels and titles
  // Cells show the shortest unique form of each name and the full name as
  // the cell's tooltip: both must be the text itself.
  const table = await page.$eval('#actors tbody', (e) => e.textContent + [...e.querySelectorAll('td.name')].map((td) => td.title).join('\n'));
  for (const needle of ['<script>alert(1)</script>', '<img src=x onerror=window.__pwned(1)>',
                        '</text></g></svg><script>window.__pwned(3)</script>', 'javascript:window.__pwned(6)',
                        'http://127.0.0.2:9/x.png', '&lt;script&gt;window.__pwned(5)'])
    check(table.includes(needle), 'actor table shows ' + JSON.stringify(needle) + ' as text');
  const svgText = await page.$eval('#svg', (e) => e.textContent);
  check(svgText.includes('<script>'), 'graph SVG text holds "<script>" as text');

  // Every view; hover and click what can be clicked; open details of the
  // hostile actors from the table.
  for (const view of ['graph', 'sequence', 'timeline']) {
    await page.click('.seg button[data-view="' + view + '"]');
    await until(async () => ((await page.$eval('#svg svg', (e) => e.getAttribute('class'))) || '').includes(view), view + ' view');
    await sleep(500);
    const n = await clickEach(page, '#svg g[data-id] > *', 40);
    check(n > 0, view + ': hovered and clicked ' + n + ' drawn items');
    const t = await page.$eval('#svg', (e) => e.textContent);
    check(/<(script|img|svg|\/text)/.test(t), view + ': hostile markup in labels is drawn as text');
  }
  let details = 0;
  const rows = await page.$$('#actors tbody tr');
  for (let i = 0; i < rows.length && i < 40; i++) {
    const row = (await page.$$('#actors tbody tr'))[i];
    if (!row) break;
    const name = await row.$eval('td', (e) => e.textContent);
    // Details open above the table and move it: close them first; a row
    // still under the sticky heading gets the click event directly.
    if (!(await page.$eval('#details', (e) => e.classList.contains('hidden')))) await page.click('#close-details');
    await row.click({ timeout: 3000 }).catch(() => row.dispatchEvent('click'));
    await until(async () => !(await page.$eval('#details', (e) => e.classList.contains('hidden'))), 'details of ' + name);
    await sleep(100);
    const d = await page.$eval('#details-body', (e) => e.textContent);
    if (d.includes(name.replace(/…$/, ''))) details++;
    // the message buttons in details lead to hostile labels and payloads
    const link = await page.$('#details-body button.link');
    if (link && i % 3 === 0) { await link.click(); await sleep(150); }
  }
  check(details >= Math.min(rows.length, 40) - 2, 'details of ' + details + ' hostile actors show their names as text');
  await page.click('.seg button[data-view="sequence"]');
  await sleep(300);
  const payloadShown = await page.evaluate(() => document.body.textContent.includes('window.__pwned') ||
                                                 document.body.textContent.includes('<script>'));
  check(payloadShown, 'hostile text is on the page as text');

  // The filter with hostile patterns (and a bad regex echoed in a toast).
  await page.click('.seg button[data-view="graph"]');
  await until(async () => ((await page.$eval('#svg svg', (e) => e.getAttribute('class'))) || '').includes('graph'), 'graph view');
  await sleep(500);
  const unfiltered = (await page.$$eval('#svg g.actor[data-id]', (els) => els.length));
  await page.fill('#filter', '*<img*');
  let lastIds = [];
  await until(async () => {
    const ids = lastIds = await page.$$eval('#svg g.actor[data-id]', (els) => els.map((e) => e.getAttribute('data-id')));
    return ids.length > 0 && ids.length < unfiltered && ids.some((x) => x.includes('<img'));
  }, 'filter on "*<img*"').catch((e) => { console.log('# ids: ' + JSON.stringify(lastIds)); throw e; });
  // The graph keeps the matching actors and the peers they talk to, so
  // only some ids match; the filter still took most actors away.
  check(lastIds.length < unfiltered, 'filter "*<img*" shows the <img> actors (and their peers) as text (' + lastIds.length + ' of ' + unfiltered + ' actors)');
  await page.fill('#filter', '/<img src=x onerror=window.__pwned(12)>[/');
  await until(async () => !(await page.$eval('#toast', (e) => e.classList.contains('hidden'))), 'bad regex toast');
  check((await page.$eval('#toast', (e) => e.textContent)).length > 0, 'bad hostile regex explained in a text toast');
  await page.fill('#filter', '');
  await page.fill('#groups', '/user/<*');
  await sleep(800);
  await page.fill('#groups', '');
  await sleep(500);
  check(page.frames().length === 1, 'no frame was added to the page');
  verdict(w, 'live console', onOrigin);

  // JSON: /events holds the names exactly as convert writes them.
  const ev = await openWs(s.base.replace('http:', 'ws:') + 'events?from=0');
  await until(() => ev.messages.join('').split('\n').filter((l) => l).length >= converted.length, '/events complete', 20000);
  const evLines = ev.messages.join('').split('\n').filter((l) => l);
  const evNames = evLines.map((l) => JSON.parse(l)).filter((o) => o.ev === 'actor').map((o) => o.actor);
  check(JSON.stringify(evNames) === JSON.stringify(names), '/events declares the same ' + evNames.length + ' names exactly (JSON round trip)');
  ev.close();
  await context.close();

  // ---- exported SVGs opened as documents ------------------------------------
  for (const view of ['graph', 'sequence', 'timeline']) {
    const path = join(tmp, 'hostile-' + view + '.svg');
    execFileSync(cli, ['export', '--view', view, '-o', path, hostile]);
    const fileUrl = pathToFileURL(path).href;
    const isFile = (u) => u === fileUrl;
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const ww = watch(ctx, isFile);
    const p = await ctx.newPage();
    await p.goto(fileUrl);
    await sleep(300);
    const info = await p.evaluate(() => {
      const root = document.documentElement;
      let active = 0, handlers = 0, links = 0;
      for (const el of root.querySelectorAll('*')) {
        if (/^(script|foreignobject|iframe|image|img|set|animate|use)$/i.test(el.localName)) active++;
        for (const a of Array.from(el.attributes)) {
          if (/^on/i.test(a.localName)) handlers++;
          if (/href|src/i.test(a.localName) && !a.value.startsWith('#')) links++;
        }
      }
      return { ns: root.namespaceURI, name: root.localName, text: root.textContent, active, handlers, links,
               w: root.getBoundingClientRect().width, h: root.getBoundingClientRect().height };
    });
    check(info.ns === 'http://www.w3.org/2000/svg' && info.name === 'svg', view + ' SVG opens as an SVG document');
    check(info.active === 0 && info.handlers === 0 && info.links === 0,
          view + ' SVG: no active element, handler or external link (' + JSON.stringify([info.active, info.handlers, info.links]) + ')');
    check(info.text.includes('<script>') && info.text.includes('window.__pwned'), view + ' SVG shows the hostile names as text');
    // Hover across the picture (an injected onmouseover would fire).
    for (let y = 5; y < Math.min(900, info.h); y += 60)
      for (let x = 5; x < Math.min(1400, info.w); x += 90) await p.mouse.move(x, y);
    await sleep(200);
    verdict(ww, 'exported ' + view + ' SVG', isFile);
    await ctx.close();
  }
} finally {
  await browser.close();
  for (const s of servers) await stopServe(s);
}
console.log('all hostile browser checks passed');

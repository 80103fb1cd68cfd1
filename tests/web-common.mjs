// Shared helpers of the node tests of `actorscope serve` (tests/test-web-*.mjs):
// starting the service on ephemeral ports, loading the npm packages from
// web/node_modules, temporary folders and small assertions.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SRC = process.env.ACTORSCOPE_SOURCE_ROOT || new URL('..', import.meta.url).pathname;
// ES modules ignore NODE_PATH: resolve the test packages from web/.
export const require = createRequire(join(SRC, 'web', 'package.json'));
try {
  require.resolve('ws');
} catch (e) {
  console.log('SKIP: web/node_modules is missing (run ./setup.sh, or npm ci in web/)');
  process.exit(77);
}

export function tempDir(tag) {
  const dir = mkdtempSync(join(tmpdir(), 'actorscope-' + tag + '-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  process.stdout.write('ok - ' + what + '\n');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function until(pred, what, timeoutMs = 10000, stepMs = 50) {
  const t0 = Date.now();
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting for ' + what);
    await sleep(stepMs);
  }
}

// Every server a test started: a sanitizer report on its stderr (the ASan
// build runs these tests too; LeakSanitizer reports at exit, after the
// test looked) fails the test whatever else it checked.
const servers = [];
const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: /;
process.on('exit', () => {
  for (const s of servers) {
    const err = s.stderr();
    if (SANITIZER_REPORT.test(err)) {
      process.stdout.write('not ok - sanitizer report from actorscope serve:\n' + err + '\n');
      process.exitCode = 1;
    }
  }
});

// Starts `actorscope serve -p 0 ARGS...`; resolves once it prints its URL,
// with { proc, url, port, producers: [addresses], stderr() }.
export function startServe(cli, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cli, ['serve', '-p', '0', ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
    let out = '', err = '';
    servers.push({ stderr: () => err });
    const producers = [];
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error('serve did not start: ' + err)); }, 15000);
    proc.stderr.on('data', (d) => { err += d; if (process.env.ACTORSCOPE_TEST_VERBOSE) process.stderr.write(d); });
    proc.stdout.on('data', (d) => {
      out += d;
      for (const line of out.split('\n')) {
        const p = /^producers: (.*)$/.exec(line);
        if (p && !producers.includes(p[1])) producers.push(p[1]);
        const m = /^listening on (http:\/\/[^/]+:(\d+)\/)(\S*)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({ proc, url: m[1] + m[3], base: m[1], port: Number(m[2]), producers, stderr: () => err, stdout: () => out });
          return;
        }
      }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error('serve exited (' + code + '): ' + err)); });
  });
}

export function stopServe(s, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (s.proc.exitCode !== null) { resolve(s.proc.exitCode); return; }
    s.proc.removeAllListeners('exit');
    const t = setTimeout(() => s.proc.kill('SIGKILL'), 10000);
    s.proc.on('exit', (code) => { clearTimeout(t); resolve(code); });
    s.proc.kill(signal);
  });
}

// Opens a websocket (the `ws` package) and collects its messages.
export function openWs(url, options = {}) {
  const WebSocket = require('ws');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: true, ...options });
    ws.messages = [];
    ws.on('message', (data) => ws.messages.push(data.toString()));
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
    ws.on('unexpected-response', (req, res) => reject(new Error('upgrade refused: ' + res.statusCode)));
  });
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// A new page in its own context that records what went wrong for the
// checks: script errors and console errors in page.errors, dismissed
// dialogs (an alert would mean trace text ran as script) in page.dialogs.
export async function openRecordedPage(browser, width, height) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.errors = [];
  page.dialogs = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss(); });
  return page;
}

// What a page test prints when it fails, before it throws again: a
// screenshot of the page in front (NAME.png in dir; page may be null),
// what the page showed (toast, connection, view, script and console
// errors) and how each service is doing (exit, stderr). Never throws.
export async function reportPageFailure(page, dir, name, servers) {
  if (page) {
    await page.screenshot({ path: join(dir, name + '.png') }).catch(() => {});
    const shown = (sel, f = (x) => x.textContent) => page.$eval(sel, f).catch(() => '');
    console.log('page showed: toast "' + await shown('#toast') + '", connection "' + await shown('#conn') +
                '", view ' + await shown('#svg svg', (x) => x.getAttribute('class')) +
                ', errors: ' + page.errors.join('; '));
  }
  for (const s of servers)
    console.log('serve exit ' + s.proc.exitCode + ' ' + s.proc.signalCode + ', stderr:\n' + s.stderr());
}

// A screenshot kept in dir for a person to look at; an empty picture fails.
export async function keepShot(page, dir, name) {
  const path = join(dir, name + '.png');
  await page.screenshot({ path });
  check(statSync(path).size > 5000, 'screenshot ' + path);
}

// A synthetic native trace of messages first..first+n-1 between 13 clients
// and 7 workers: a send each, a receive for 10 of 11, a done for some;
// with replies, every 40th message from 10000 on answers the one 10000
// before it. Returns NDJSON text.
export function syntheticTrace(first, n, { replies = false } = {}) {
  const lines = [];
  for (let i = first; i < first + n; i++) {
    const t = 1767225600000000000n + BigInt(i) * 1000000n;
    const reply = replies && i % 40 === 0 && i >= 10000 ? `,"in_reply_to":"m${i - 10000}"` : '';
    lines.push(`{"ts":${t},"ev":"send","from":"/user/c${i % 13}","to":"/user/w${i % 7}","id":"m${i}","label":"Job${i % 5}","size":${i % 90}${reply}}`);
    if (i % 11 !== 0) lines.push(`{"ts":${t + 20000n},"ev":"receive","actor":"/user/w${i % 7}","id":"m${i}"}`);
    if (i % 11 !== 0 && i % 3 !== 0) lines.push(`{"ts":${t + 50000n},"ev":"done","actor":"/user/w${i % 7}","id":"m${i}"}`);
  }
  return lines.join('\n') + '\n';
}

// Events (lines with a time) in NDJSON text.
export const countEvents = (text) => text.split('\n').filter((l) => l.startsWith('{"ts"')).length;

// Writes text to the first TCP producer port of a service from startServe.
export function produceTcp(s, text) {
  return new Promise((resolve, reject) => {
    const addr = /^tcp:\/\/127\.0\.0\.1:(\d+)$/.exec(s.producers[0]);
    const c = net.connect(Number(addr[1]), '127.0.0.1', () => c.end(text, resolve));
    c.on('error', reject);
  });
}

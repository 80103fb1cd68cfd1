// `actorscope serve --retain-size`: retention bounds the whole service's
// disk, the data directory AND the store's page file (issue 10).
// A service with a 4 MiB memory limit and a 256 KiB retention takes six
// batches of ~65,000 events over TCP. After each, the data directory and
// the page file (the unnamed file the service holds open, measured in
// allocated blocks through /proc/PID/fd) are measured:
// - the data directory stays within the retention plus one segment;
// - the page file stays flat once retention acts: the last batch's figure
//   is within 1.75x of the third's (without retention about 2x), and more
//   of it was given back than it holds at the end;
// - every retention step is reported on stderr (events dropped, page file
//   freed, where the history now starts);
// - /events?from=0 begins with a header line saying how many events were
//   retained away and from which seq the history starts, then exactly the
//   events held from there to the end, and /live frames count them;
// - `stats DIR` after the stop counts what the data directory holds.
//   node tests/test-serve-retain.mjs BUILD/app/actorscope
import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, check, until, startServe, stopServe, openWs, syntheticTrace, countEvents, produceTcp }
  from './web-common.mjs';

const cli = process.argv[2];
if (!cli) throw new Error('usage: test-serve-retain.mjs ACTORSCOPE');
const dir = tempDir('retain');
const data = join(dir, 'data');
const BATCH = 25000;
const RETAIN = 256 * 1024;
const SEGMENT = 64 * 1024; // what serve picks for a --retain-size: 1/8, at least 64 KiB

const dirBytes = () => readdirSync(data).filter((f) => f.endsWith('.aslog'))
  .reduce((sum, f) => sum + statSync(join(data, f)).size, 0);
// The page files: files the service holds open in the data directory
// that have no name any more (O_TMPFILE shows as "DIR/#INODE (deleted)").
function pageBytes(pid) {
  let sum = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target;
    try { target = readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
    if (target.startsWith(data + '/') && target.endsWith('(deleted)'))
      sum += statSync(`/proc/${pid}/fd/${fd}`).blocks * 512;
  }
  return sum;
}

const s = await startServe(cli, ['--listen', 'tcp://127.0.0.1:0', '--data-dir', data,
                                 '--memory-limit', '4MiB', '--retain-size', '256KiB', '-v']);
try {
  let sent = 0;
  const pages = [], dirs = [];
  for (let b = 0; b < 6; b++) {
    const text = syntheticTrace(b * BATCH, BATCH);
    sent += countEvents(text);
    await produceTcp(s, text);
    await until(() => {
      const m = [...s.stderr().matchAll(/data: (\d+) events durable/g)].pop();
      return m && Number(m[1]) >= sent;
    }, `batch ${b + 1} durable`, 20000);
    // one more flush interval: retention follows the flush
    await new Promise((r) => setTimeout(r, 400));
    dirs.push(dirBytes());
    pages.push(pageBytes(s.proc.pid));
  }
  console.log(`events sent ${sent}; data dir bytes ${dirs.join(' ')}; page file bytes ${pages.join(' ')}`);
  check(Math.max(...dirs) <= RETAIN + 2 * SEGMENT,
        `the data directory stays within --retain-size plus a segment (${Math.max(...dirs)} bytes)`);
  const steps = [...s.stderr().matchAll(/retention: dropped (\d+) events and (\d+) messages from the service \(([\d.]+) MiB of page file freed, ([\d.]+) MiB left\); its history now starts at event (\d+)/g)];
  check(steps.length >= 2, `every retention step of the store is reported (${steps.length} steps)`);
  // Flat, with the slack of timing (how much is still in RAM when measured
  // depends on the machine's load): without retention the page file would
  // hold every event evicted, about twice as many after 6 batches as after 3.
  const freed = steps.reduce((n, m) => n + Number(m[3]), 0) * 1048576;
  check(pages[2] > 0 && pages[5] <= pages[2] * 1.75,
        `the page file stays flat: ${pages[5]} bytes after 6 batches, ${pages[2]} after 3`);
  check(freed > pages[5], `more of the page file was given back (${Math.round(freed)} bytes) than it holds`);
  const dropped = steps.reduce((n, m) => n + Number(m[1]), 0);
  const first = Number(steps[steps.length - 1][5]);
  check(dropped === first && first > sent / 2,
        `the reported steps add up to where the history starts (${dropped} = ${first}, of ${sent})`);
  check(/retention: deleted \d+ oldest segment\(s\)/.test(s.stderr()), 'segment deletions are reported');

  const ws = await openWs(s.base.replace('http:', 'ws:') + 'events?from=0');
  await until(() => countEvents(ws.messages.join('')) >= sent - first, '/events?from=0 up to the end', 20000);
  ws.close();
  const lines = ws.messages.join('').split('\n').filter((l) => l !== '');
  const header = lines.find((l) => l.includes('"retained_away"'));
  check(header !== undefined, '/events?from=0 says events were retained away');
  const h = JSON.parse(header);
  check(h.actorscope === 1 && h.retained_away === h.history_from && h.history_from >= first,
        `the header names how many and where the history starts (${header})`);
  const evs = lines.filter((l) => l.startsWith('{"ts"'));
  check(evs.length === sent - h.history_from, `then every event held (${evs.length} = ${sent} - ${h.history_from})`);
  check(lines.indexOf(header) < lines.indexOf(evs[0]), 'the header comes before the first event');

  // The console's frames say it too (its status line shows "retained away").
  const live = await openWs(s.base.replace('http:', 'ws:') + 'live');
  live.send(JSON.stringify({ v: 1, type: 'view', kind: 'graph', follow: true, window_s: 60, width: 800, height: 500 }));
  await until(() => live.messages.some((m) => m.includes('"type":"frame"')), 'a /live frame', 20000);
  live.close();
  const frame = JSON.parse(live.messages.find((m) => m.includes('"type":"frame"')));
  check(frame.counters.retained === h.history_from,
        `a /live frame counts the events retained away (${frame.counters.retained} = ${h.history_from})`);

  check(await stopServe(s) === 0, 'the service stops cleanly');
  const stats = JSON.parse(execFileSync(cli, ['stats', '--json', data]).toString());
  check(stats.events > 0 && stats.events <= sent - dropped + SEGMENT,
        `stats DIR counts what the data directory holds (${stats.events})`);
} finally {
  await stopServe(s);
}

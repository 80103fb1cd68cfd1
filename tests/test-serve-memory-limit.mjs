// `actorscope serve --memory-limit`: eviction changes no answer (issue 10).
// A service with a 4 MiB limit takes about 63,000 events over TCP (requests
// answered 10,000 messages later, so responses reach into evicted time);
// a memory-only service without a limit takes the same bytes. Then:
// - the limited one did evict (its -v data lines say how many);
// - /events?from=0 of both is the same NDJSON, every event;
// - /events?from=N from evicted time is the same too;
// - stopped and restarted on its data directory (still limited), it gives
//   the same /events?from=0, and new events continue the sequence;
// - `actorscope stats DIR` counts exactly the events sent, and its
//   per-actor and per-edge figures equal those of the unlimited service's
//   trace (`stats` of its /events, saved as a file).
//   node tests/test-serve-memory-limit.mjs BUILD/app/actorscope
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, check, until, startServe, stopServe, openWs, syntheticTrace, countEvents, produceTcp }
  from './web-common.mjs';

const cli = process.argv[2];
if (!cli) throw new Error('usage: test-serve-memory-limit.mjs ACTORSCOPE');
const dir = tempDir('memlimit');
const data = join(dir, 'data');
const N_MSG = 25000;

// /events?from=N until it holds `want` events and nothing more came for a while.
async function events(s, from, want) {
  const ws = await openWs(s.base.replace('http:', 'ws:') + 'events?from=' + from);
  await until(() => countEvents(ws.messages.join('')) >= want, `/events?from=${from} with ${want} events`, 60000);
  ws.close();
  return ws.messages.join('');
}

const text = syntheticTrace(0, N_MSG, { replies: true });
const n = countEvents(text);
const limited = await startServe(cli, ['--listen', 'tcp://127.0.0.1:0', '--data-dir', data, '--memory-limit', '4MiB', '-v']);
const plain = await startServe(cli, ['--listen', 'tcp://127.0.0.1:0', '--no-data-dir', '-q']);
let restarted = null;
try {
  await Promise.all([produceTcp(limited, text), produceTcp(plain, text)]);
  const all = await events(plain, 0, n);
  const allLimited = await events(limited, 0, n);
  let last = '';
  await until(() => {
    const m = [...limited.stderr().matchAll(/data: (\d+) events durable.*, (\d+) evicted from memory/g)].pop();
    if (m) last = m[0];
    return m && Number(m[1]) === n && Number(m[2]) > n / 3;
  }, 'the limited service evicted over a third of the events once they were durable', 20000).catch((e) => { throw new Error(e.message + ': ' + last); });
  check(countEvents(all) === n, `the unlimited service has every event (${n})`);
  check(allLimited === all, '/events?from=0 after eviction: the same NDJSON as without a limit');
  const from = Math.floor(n / 4);
  check(await events(limited, from, n - from) === await events(plain, from, n - from),
        `/events?from=${from} (evicted time): the same NDJSON`);
  writeFileSync(join(dir, 'plain.ndjson'), all);
  check(await stopServe(limited) === 0, 'the limited service stops cleanly');
  const statsOf = (what) => JSON.parse(execFileSync(cli, ['stats', '--json', what]).toString());
  const stats = statsOf(data), statsPlain = statsOf(join(dir, 'plain.ndjson'));
  check(stats.events === n, `stats DIR: exactly the events sent (${n})`);
  check(JSON.stringify([stats.actors, stats.edges]) === JSON.stringify([statsPlain.actors, statsPlain.edges]),
        'stats DIR: per-actor and per-edge figures as without a limit');
  // stats, export and convert read a data directory within a memory budget
  // (paging what does not fit): a tiny one gives the answers of one that
  // holds everything.
  const run = (args, limit) => execFileSync(cli, [...args, '--memory-limit', limit],
                                            { maxBuffer: 1 << 28 }).toString();
  for (const [what, args] of [
    ['stats DIR', ['stats', '--json', data]],
    ['export DIR of a window', ['export', data, '--view', 'timeline', '--from', '+5s', '--to', '+8s', '-o', '-']],
    ['export DIR graph', ['export', data, '--view', 'graph', '-o', '-']],
    ['convert DIR', ['convert', data, '-o', '-']],
  ]) {
    const tiny = run(args, '1MiB'), whole = run(args, '64GiB');
    check(tiny.length > 0 && tiny === whole, `${what}: --memory-limit 1MiB gives what 64GiB gives`);
  }

  restarted = await startServe(cli, ['--listen', 'tcp://127.0.0.1:0', '--data-dir', data, '--memory-limit', '4MiB', '-v']);
  check(await events(restarted, 0, n) === all, 'restarted: /events?from=0 is the whole history again');
  const more = syntheticTrace(N_MSG, 100, { replies: true });
  await produceTcp(restarted, more);
  const tail = await events(restarted, n, countEvents(more));
  check(countEvents(tail) === countEvents(more) && tail.includes('"id":"m25000"'),
        'new events continue the sequence after the restored ones');
  check(await stopServe(restarted) === 0, 'the restarted service stops cleanly');
  restarted = null;
  check(statsOf(data).events === n + countEvents(more), 'stats DIR after the restart: every event, old and new');
} finally {
  if (restarted) await stopServe(restarted);
  await stopServe(limited);
  await stopServe(plain);
}

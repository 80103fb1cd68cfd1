// `serve --nats --log stream`: the JetStream stream as the durable log
// (issue 15). A real nats-server (JetStream, private loopback port and
// store dir). One producer's trace (requests answered 3,000 messages
// later, so responses reach into evicted time) is published in two halves
// to stream EV; two collectors consume it:
// - "stream": --log stream --memory-limit 2MiB (its data directory holds
//   only the index, the journal and the page file), killed -9 while the
//   second half arrives and restarted: its store is rebuilt from the
//   stream through the index;
// - "disk": the disk log, never interrupted.
// Then /events?from=0 and /events?from=N (evicted time) of both are the
// same NDJSON, every event exactly once; `stats` of it equals `stats` of
// what was published; the stream collector's local bytes per event are
// far below the disk log's.
// /ingest events (not in the stream) are kept but said to be lost at restart.
// Retention: stream RET made with --stream-max-age 1s: once its messages
// aged out, a restarted collector says how many events retention removed
// and restores none of them.
//   node tests/test-nats-streamlog.mjs BUILD/app/actorscope
import net from 'node:net';
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, check, until, sleep, startServe, stopServe, openWs } from './web-common.mjs';

const cli = process.argv[2];
if (!cli) throw new Error('usage: test-nats-streamlog.mjs ACTORSCOPE');
try {
  execFileSync('nats-server', ['--version']);
} catch (e) {
  console.log('SKIP: nats-server not installed');
  process.exit(77);
}
const dir = tempDir('natslog');
const N_MSG = 8000;

function trace(first, n) {
  const lines = [];
  for (let i = first; i < first + n; i++) {
    const t = 1767225600000000000n + BigInt(i) * 1000000n;
    const reply = i % 40 === 0 && i >= 3000 ? `,"in_reply_to":"m${i - 3000}"` : '';
    lines.push(`{"ts":${t},"ev":"send","from":"/user/c${i % 13}","to":"/user/w${i % 7}","id":"m${i}","label":"Job${i % 5}","size":${i % 90}${reply}}`);
    if (i % 11 !== 0) lines.push(`{"ts":${t + 20000n},"ev":"receive","actor":"/user/w${i % 7}","id":"m${i}"}`);
    if (i % 11 !== 0 && i % 3 !== 0) lines.push(`{"ts":${t + 50000n},"ev":"done","actor":"/user/w${i % 7}","id":"m${i}"}`);
  }
  return lines.join('\n') + '\n';
}
const countEvents = (text) => text.split('\n').filter((l) => l.startsWith('{"ts"')).length;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function startNats() {
  const port = await freePort();
  const store = join(dir, 'nats');
  mkdirSync(store);
  const conf = join(dir, 'nats.conf');
  writeFileSync(conf, `listen: 127.0.0.1:${port}\njetstream { store_dir: "${store}" }\n`);
  const proc = spawn('nats-server', ['-c', conf], { stdio: 'ignore' });
  await until(() => new Promise((r) => {
    const c = net.connect(port, '127.0.0.1', () => { c.destroy(); r(true); });
    c.on('error', () => r(false));
  }), 'nats-server listening', 10000, 100);
  return { proc, url: `nats://127.0.0.1:${port}` };
}

async function events(s, from, want) {
  const ws = await openWs(s.base.replace('http:', 'ws:') + 'events?from=' + from);
  await until(() => countEvents(ws.messages.join('')) >= want, `/events?from=${from} with ${want} events`, 20000);
  await sleep(100);   // nothing more may come
  ws.close();
  return ws.messages.join('');
}

function publish(url, subject, stream, file) {
  return new Promise((resolve, reject) => {
    const p = spawn(cli, ['publish', '-q', '--nats', url, '--subject', subject,
                          ...(stream ? ['--stream', stream] : []), '--batch-lines', '300', file],
                    { stdio: 'inherit' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error('publish exit ' + code))));
  });
}

const dirBytes = (d) => readdirSync(d).reduce((n, f) => n + statSync(join(d, f)).size, 0);

const nats = await startNats();
const common = ['--nats', nats.url, '--stream', 'EV', '--subjects', 'actorscope.t.>'];
const streamArgs = [...common, '--durable', 's', '--log', 'stream', '--data-dir', join(dir, 'ds'),
                    '--memory-limit', '2MiB', '-v'];
const servers = [];
try {
  const half1 = trace(0, N_MSG / 2), half2 = trace(N_MSG / 2, N_MSG / 2);
  writeFileSync(join(dir, 'h1.ndjson'), half1);
  writeFileSync(join(dir, 'h2.ndjson'), half2);
  writeFileSync(join(dir, 'all.ndjson'), half1 + half2);
  const n1 = countEvents(half1);
  let n = n1 + countEvents(half2);

  let stream = await startServe(cli, streamArgs);
  servers.push(stream);
  const disk = await startServe(cli, [...common, '--durable', 'd', '--data-dir', join(dir, 'dd')]);
  servers.push(disk);
  await publish(nats.url, 'actorscope.t.h1', 'EV', join(dir, 'h1.ndjson'));
  await events(stream, 0, n1);
  // kill -9 while the second half is being taken.
  const second = publish(nats.url, 'actorscope.t.h1', 'EV', join(dir, 'h2.ndjson'));
  await until(() => /data: (\d+) events durable/.test(stream.stderr().split('\n').slice(-3).join('\n'))
              && Number([...stream.stderr().matchAll(/data: (\d+) events durable/g)].pop()[1]) > n1,
              'the stream collector storing the second half', 20000, 20);
  await stopServe(stream, 'SIGKILL');
  await second;
  stream = await startServe(cli, streamArgs);
  servers.push(stream);
  check(/events restored from the stream/.test(stream.stdout()), 'restarted: restored from the stream');

  // A third part after the restart: new events continue the sequence.
  // (After the second part is in: a different producer run's events
  // interleave in arrival order, and the second part's unacked messages
  // come again only after AckWait.)
  await events(stream, 0, n);
  await events(disk, 0, n);
  const half3 = trace(N_MSG, 200);
  writeFileSync(join(dir, 'h3.ndjson'), half3);
  writeFileSync(join(dir, 'all.ndjson'), half1 + half2 + half3);
  await publish(nats.url, 'actorscope.t.h1', 'EV', join(dir, 'h3.ndjson'));
  n += countEvents(half3);

  const all = await events(disk, 0, n);
  const allStream = await events(stream, 0, n);
  check(countEvents(all) === n, `the disk-log collector has every event (${n})`);
  check(allStream === all, 'stream log, killed -9 and restarted: /events?from=0 is the same NDJSON');
  let evicted = 0;
  await until(() => {
    const m = [...stream.stderr().matchAll(/data: (\d+) events durable.*, (\d+) evicted from memory/g)].pop();
    evicted = m ? Number(m[2]) : 0;
    return m && Number(m[1]) === n && evicted > n / 3;
  }, 'the stream-log collector evicted over a third of the events', 20000)
    .catch((e) => { throw new Error(e.message + ': ' + stream.stderr().slice(-600)); });
  check(evicted > n / 3, `evicted ${evicted} of ${n} events from memory`);
  const from = Math.floor(n / 5);
  check(await events(stream, from, n - from) === await events(disk, from, n - from),
        `/events?from=${from} (evicted time): the same NDJSON`);
  writeFileSync(join(dir, 'got.ndjson'), allStream);
  const statsOf = (what) => {
    const s = JSON.parse(execFileSync(cli, ['stats', '--json', what]).toString());
    delete s.source;
    return JSON.stringify(s);
  };
  check(statsOf(join(dir, 'got.ndjson')) === statsOf(join(dir, 'all.ndjson')),
        'stats of the restarted stream-log collector equal stats of what was published');
  const localStream = dirBytes(join(dir, 'ds')), localDisk = dirBytes(join(dir, 'dd'));
  console.log(`# local bytes per event: stream log ${(localStream / n).toFixed(2)}, disk log ${(localDisk / n).toFixed(2)}`);
  check(localStream * 4 < localDisk, 'the stream log keeps far fewer local bytes than the disk log');
  // Events that are not in the stream (/ingest) are served, and said not
  // to survive a restart.
  const ing = await openWs(stream.base.replace('http:', 'ws:') + 'ingest');
  ing.send('{"ts":1767225700000000000,"ev":"spawn","actor":"/user/local"}\n');
  await until(() => /warning: --log stream: 1 events came from another source/.test(stream.stderr()),
              'the warning about events not in the stream', 10000);
  ing.close();
  check(true, 'an /ingest event with --log stream: served, and said not to survive a restart');
  check(await stopServe(stream) === 0 && await stopServe(disk) === 0, 'both collectors stop cleanly');

  // Retention is the stream's, and it is said.
  const retArgs = ['--nats', nats.url, '--stream', 'RET', '--subjects', 'ret.>', '--stream-max-age', '1s',
                   '--durable', 'r', '--log', 'stream', '--data-dir', join(dir, 'dr')];
  let ret = await startServe(cli, retArgs);
  servers.push(ret);
  // The collector makes RET (its subjects, MaxAge); publish into it.
  await until(() => /connected to .*stream RET/.test(ret.stderr()), 'the RET collector connected', 10000).catch((e) => { throw new Error(e.message + ': ' + ret.stderr()); });
  await publish(nats.url, 'ret.h1', null, join(dir, 'h1.ndjson'));
  await events(ret, 0, n1);
  await sleep(500);   // flushed and acked
  check(await stopServe(ret) === 0, 'the retention collector stops cleanly');
  await sleep(1600);  // MaxAge 1 s: the stream removed every message
  ret = await startServe(cli, retArgs);
  servers.push(ret);
  const m = /\((\d+) events restored from the stream, (\d+) dropped by retention\)/.exec(ret.stdout());
  check(m && Number(m[1]) === 0 && Number(m[2]) === n1,
        `restarted after MaxAge: 0 restored, ${n1} reported as dropped by the stream's retention (${m && m[0]})`);
  // Stopped only once it runs: a SIGTERM before its signal handlers are in
  // place (it just printed the restore line) would end it by the signal.
  await until(() => /connected to .*stream RET/.test(ret.stderr()), 'the RET collector connected again', 10000).catch((e) => { throw new Error(e.message + ': ' + ret.stderr()); });
  const code = await stopServe(ret);
  check(code === 0, `the retention collector stops cleanly again (exit ${code}: ${ret.stderr()})`);
} finally {
  for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) await stopServe(s, 'SIGKILL');
  nats.proc.kill('SIGTERM');
}

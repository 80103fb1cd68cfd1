// data/erlang/actorscope_tracer.erl in a real Erlang node (Debian's
// erlang-base: erlc, erl -noshell) streaming to `actorscope serve --listen`:
// the test system in tests/erlang/ (a supervisor, a gen_server router, three
// workers, a ping-pong pair, a worker that crashes and is restarted). The
// edges, pairs, round trips, crash and restart come from `actorscope stats`
// on the service's --record file. Then a flood into a connection that is
// not read (a slow consumer): the tracer's bounded buffer drops and
// counts, and reports it in the stream once the connection drains.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { check, SRC, sleep, startServe, stopServe, tempDir } from './web-common.mjs';

const cli = process.argv[2];
if (spawnSync('erlc', ['-help'], { encoding: 'utf8' }).error) {
  console.log('SKIP: erlc (erlang-base / erlang-dev) is not installed');
  process.exit(77);
}
const dir = tempDir('erlang');
const sources = [join(SRC, 'data', 'erlang', 'actorscope_tracer.erl'),
  ...readdirSync(join(SRC, 'tests', 'erlang')).filter((f) => f.endsWith('.erl')).map((f) => join(SRC, 'tests', 'erlang', f))];
const erlc = spawnSync('erlc', ['-o', dir, ...sources], { encoding: 'utf8' });
check(erlc.status === 0, 'the tracer and the test system compile: ' + erlc.stderr);

const record = join(dir, 'rec.ndjson');
const serve = await startServe(cli, ['--no-data-dir', '--listen', 'tcp://127.0.0.1:0', '--record', record]);
let out;
try {
  const port = Number(/:(\d+)$/.exec(serve.producers[0])[1]);
  // cwd: where a failing node writes erl_crash.dump.
  out = spawnSync('erl', ['-noshell', '-pa', dir, '-eval',
    `as_demo:run("127.0.0.1", ${port}), halt().`], { cwd: dir, encoding: 'utf8', timeout: 60000 });
  check(out.status === 0, 'the traced system ran: ' + out.stderr);
  check(/tracer: #\{dropped => 0/.test(out.stdout), 'the tracer dropped nothing: ' + out.stdout.trim());
  await sleep(500);   // the last lines, then --record's 200 ms flush
} finally {
  check(await stopServe(serve) === 0, 'serve stops cleanly');
}
check(/producer disconnected after \d+ records/.test(serve.stderr()), 'the tracer connected and disconnected');

const st = spawnSync(cli, ['stats', '--json', record], { encoding: 'utf8' });
check(st.status === 0, 'stats reads the recording');
const s = JSON.parse(st.stdout);
check(s.records.skipped === 0, 'no line the tracer wrote was skipped');
const actor = (n) => s.actors.find((a) => a.name === n) || {};
const edge = (f, t) => s.edges.find((e) => e.from === f && e.to === t) || { count: 0, received: 0 };

check(edge('as_client', 'as_router').count === 9 && edge('as_client', 'as_router').received === 9,
  'as_client -> as_router: 9 calls, each paired with its receive (FIFO by receiver + term)');
check(actor('as_client').round_trip && actor('as_client').round_trip.count === 9 && actor('as_client').unanswered === 0,
  'gen_server:call replies (sent to the caller\'s alias) pair with their calls: 9 round trips at as_client');
check(edge('as_router', 'as_client').count === 9, 'the router\'s replies go to the caller\'s name, not an alias');
const toWorkers = ['as_worker1', 'as_worker2', 'as_worker3'].map((w) => edge('as_router', w).count);
check(toWorkers.every((n) => n === 3), 'the router spreads the calls over the three workers (3 each)');
check(actor('as_router').round_trip.count === 9, 'the router\'s own calls to the workers are round trips too');
check(edge('ping', 'pong').count === 21 && edge('pong', 'ping').count === 20
  && edge('pong', 'ping').received === 20, 'ping-pong: 20 pings + stop, 20 pongs, all received');
check(actor('as_worker2').crashes === 1, 'the crashed worker has one crash');
const lines = readFileSync(record, 'utf8').split('\n').filter((l) => l.startsWith('{"') && l.includes('"ev"'))
  .map((l) => JSON.parse(l));
check(lines.filter((e) => e.ev === 'spawn' && e.actor === 'as_worker2' && e.parent === 'as_demo_sup').length === 2,
  'the worker is spawned by its supervisor, then again after the crash (spawn written under its registered name)');
check(lines.some((e) => e.ev === 'exit' && e.actor === 'as_worker2' && e.status === 'crash' && /badarith/.test(e.reason)),
  'the crash is an exit with status crash and the reason');
check(lines.some((e) => e.ev === 'mark' && /^link /.test(e.text || '')), 'links are marks');
check(s.edges.some((e) => e.from === 'as_worker2' && e.to === 'as_demo_sup'), 'the workers report to the supervisor');
check(!s.actors.some((a) => /^alias /.test(a.name)), 'no reply goes to an unresolved alias');

// --- a slow connection ---
const received = [];
let paused = null;
const sink = createServer((sock) => {
  paused = sock;
  sock.pause();   // nobody reads: the kernel buffers fill, then the tracer's
  sock.on('data', (d) => received.push(d));
});
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const flood = spawn('erl', ['-noshell', '-pa', dir, '-eval',
  `as_demo:flood("127.0.0.1", ${sink.address().port}), halt().`], { cwd: dir });
let floodOut = '';
const floodDone = new Promise((resolve) => flood.on('exit', resolve));
flood.stdout.on('data', (d) => {
  floodOut += d;
  if (/flood: /.test(floodOut) && paused) paused.resume();   // drain now
});
flood.stderr.on('data', (d) => { floodOut += d; });
const timer = setTimeout(() => flood.kill('SIGKILL'), 60000);
const floodCode = await floodDone;
clearTimeout(timer);
await sleep(200);
sink.close();
check(floodCode === 0 && /stopped/.test(floodOut), 'the flood ran and the tracer stopped: ' + floodOut.slice(-300));
const dropped = Number((/dropped => (\d+)/.exec(floodOut) || [])[1]);
check(dropped > 0, `the tracer dropped ${dropped} events rather than buffer without bound`);
const text = Buffer.concat(received).toString('utf8');
check(new RegExp(`trace events dropped \\(the connection or the tracer could not keep up; ${dropped} in all\\)`).test(text),
  'the drops are reported in the stream as a mark');
const floodFile = join(dir, 'flood.ndjson');
writeFileSync(floodFile, text);
const fst = spawnSync(cli, ['stats', '--strict', '--json', floodFile], { encoding: 'utf8' });
check(fst.status === 0, 'what reached the connection is well-formed native NDJSON: ' + fst.stderr);

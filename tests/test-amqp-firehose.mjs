// `serve --amqp` against a real RabbitMQ (Debian's rabbitmq-server) started
// here on private ports and a temporary data dir, with real amqplib clients
// (npm): a publisher and a consumer through a direct exchange, an RPC
// client/server pair over a reply queue, an unroutable publish, and the
// broker's connections force-closed to see the source reconnect. The edges,
// counts and round trips come from `actorscope stats` on the service's
// --record file. One broker start for all checks (it takes 10-30 s, more
// on a busy machine).
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { check, require, sleep, startServe, stopServe, tempDir, until } from './web-common.mjs';

const cli = process.argv[2];
const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const CTL = '/usr/lib/rabbitmq/bin/rabbitmqctl';
if (!existsSync(SERVER)) {
  console.log('SKIP: rabbitmq-server is not installed');
  process.exit(77);
}
try {
  require.resolve('amqplib');
} catch (e) {
  console.log('SKIP: amqplib is missing from web/node_modules (npm ci in web/)');
  process.exit(77);
}
const amqp = require('amqplib');

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

const dir = tempDir('amqp');
const [amqpPort, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
const node = `as-test-${process.pid}@localhost`;
writeFileSync(join(dir, 'rabbitmq.conf'),
  `listeners.tcp.1 = 127.0.0.1:${amqpPort}\nloopback_users = none\n`);
writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
const env = {
  ...process.env,
  HOME: dir,  // the Erlang cookie
  RABBITMQ_NODENAME: node,
  RABBITMQ_NODE_PORT: String(amqpPort),
  RABBITMQ_DIST_PORT: String(distPort),
  ERL_EPMD_PORT: String(epmdPort),
  RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
  RABBITMQ_LOG_BASE: join(dir, 'log'),
  RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
  RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
  RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
};
const ctl = (...args) => spawnSync(CTL, ['-n', node, ...args], { env, cwd: dir, encoding: 'utf8', timeout: 250000 });

// Everything the broker starts (beam, epmd, inet_gethost) is in its own
// process group, killed at exit whatever happened.
// cwd: Erlang writes its crash dumps there.
const broker = spawn(SERVER, [], { env, cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
let brokerOut = '';
broker.stdout.on('data', (d) => { brokerOut += d; });
broker.stderr.on('data', (d) => { brokerOut += d; });
let brokerStopped = false;
function killBroker(graceful) {
  if (brokerStopped) return;
  brokerStopped = true;
  // rabbitmqctl needs the data dir (the cookie): only while it exists.
  if (graceful) ctl('stop');
  try { process.kill(-broker.pid, 'SIGKILL'); } catch (e) { /* gone */ }
  // epmd daemonises out of the group (and `epmd -kill` refuses while it
  // still lists the node): kill the one that serves our private port,
  // found by its environment.
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      if (/epmd/.test(cmd) && environ.includes(`ERL_EPMD_PORT=${epmdPort}`)) process.kill(Number(pid), 'SIGKILL');
    } catch (e) { /* gone, or not ours to read */ }
  }
}
// Registered after tempDir's own handler, so it runs after the dir is
// gone: no rabbitmqctl then, only kills.
process.on('exit', () => killBroker(false));
process.on('SIGTERM', () => process.exit(1));

const pw = join(dir, 'amqp-password');
writeFileSync(pw, 'guest\n');
const url = `amqp://guest@127.0.0.1:${amqpPort}/%2f`;
const record = join(dir, 'rec.ndjson');
// The service first: it retries until the broker is up (backoff).
const serve = await startServe(cli, ['--no-data-dir', '--record', record,
  '--amqp', url, '--amqp-password-file', pw]);

try {
  const wait = ctl('wait', '--timeout', '240', env.RABBITMQ_PID_FILE);
  if (wait.status !== 0) throw new Error('rabbitmq did not start: ' + wait.stdout + wait.stderr + brokerOut);
  const on = ctl('trace_on');
  check(on.status === 0, 'rabbitmqctl trace_on');
  await until(() => /(attached|reconnected) to the firehose/.test(serve.stderr()), 'firehose attached', 30000);
  check(/cannot attach to the firehose .*retrying/.test(serve.stderr()),
    'the broker not up yet is reported once, then retried');

  const c = await amqp.connect(`amqp://guest:guest@127.0.0.1:${amqpPort}/`);
  const pub = await c.createChannel();
  await pub.assertExchange('orders', 'direct', { durable: false });
  await pub.assertQueue('work', { durable: false });
  await pub.bindQueue('work', 'orders', 'new');
  await pub.assertExchange('nowhere', 'direct', { durable: false });

  // The consumer on a connection of its own.
  const cc = await amqp.connect(`amqp://guest:guest@127.0.0.1:${amqpPort}/`);
  const cons = await cc.createChannel();
  let consumed = 0;
  await cons.consume('work', (m) => { consumed++; cons.ack(m); });

  // The RPC server: answers on the request's reply_to with its correlation id.
  const sc = await amqp.connect(`amqp://guest:guest@127.0.0.1:${amqpPort}/`);
  const srv = await sc.createChannel();
  await srv.assertQueue('rpc', { durable: false });
  await srv.consume('rpc', (m) => {
    srv.sendToQueue(m.properties.replyTo, Buffer.from('re:' + m.content),
      { correlationId: m.properties.correlationId, type: 'Price.reply' });
    srv.ack(m);
  });
  // The RPC client, on its own connection, with an exclusive reply queue.
  const rc = await amqp.connect(`amqp://guest:guest@127.0.0.1:${amqpPort}/`);
  const cli2 = await rc.createChannel();
  const { queue: replyQ } = await cli2.assertQueue('', { exclusive: true });
  const answers = new Map();
  await cli2.consume(replyQ, (m) => { answers.set(m.properties.correlationId, String(m.content)); }, { noAck: true });

  for (let i = 0; i < 10; i++)
    pub.publish('orders', 'new', Buffer.from('order ' + i), { type: 'Order.create', messageId: 'o' + i });
  pub.publish('nowhere', 'lost', Buffer.from('nobody listens'), { type: 'Lost' });
  for (let i = 0; i < 5; i++) {
    cli2.sendToQueue('rpc', Buffer.from('sku' + i), { replyTo: replyQ, correlationId: 'c' + i, type: 'Price.get' });
    await until(() => answers.has('c' + i), 'rpc answer ' + i);
  }
  await until(() => consumed === 10, 'all orders consumed');

  // The broker closes every connection (ours too): the source reconnects.
  const conns = ctl('list_connections', 'pid', '--quiet', '--no-table-headers');
  const before = (serve.stderr().match(/(attached|reconnected) to the firehose/g) || []).length;
  for (const pid of conns.stdout.split('\n').filter((l) => l.startsWith('<')))
    ctl('close_connection', pid.trim(), 'test');
  await until(() => (serve.stderr().match(/(attached|reconnected) to the firehose/g) || []).length > before,
    'reconnected after the broker closed the connection', 30000);
  check(/connection lost: .*reconnecting/.test(serve.stderr()), 'the lost connection is reported');
  for (const x of [c, cc, sc, rc]) await x.close().catch(() => {});

  // Published after the reconnection: seen again.
  const c2 = await amqp.connect(`amqp://guest:guest@127.0.0.1:${amqpPort}/`);
  const p2 = await c2.createChannel();
  p2.publish('orders', 'new', Buffer.from('after'), { type: 'Order.late' });
  await sleep(300);
  const left = await p2.get('work', { noAck: true });
  check(left && String(left.content) === 'after', 'the late order reached the queue');
  await c2.close();
  await sleep(600);   // the firehose record, then --record's 200 ms flush
} finally {
  const code = await stopServe(serve);
  killBroker(true);
  check(code === 0, 'serve stops cleanly');
}

const st = spawnSync(cli, ['stats', '--json', record], { encoding: 'utf8' });
check(st.status === 0, 'stats reads the recording');
const s = JSON.parse(st.stdout);
const actor = (n) => s.actors.find((a) => a.name === n);
const edge = (f, t) => s.edges.filter((e) => (f instanceof RegExp ? f.test(e.from) : e.from === f)
  && (t instanceof RegExp ? t.test(e.to) : e.to === t));
const sum = (es, k) => es.reduce((a, e) => a + e[k], 0);
const conn = /^conn:127\.0\.0\.1:\d+$/;

check(sum(edge(conn, 'exchange:orders'), 'count') === 11, 'publishes: connection -> exchange:orders (10 + 1 late)');
check(sum(edge('exchange:orders', 'queue:work'), 'count') === 11, 'routed: exchange:orders -> queue:work');
const deliveries = edge('queue:work', conn).sort((a, b) => b.count - a.count);
check(deliveries.length === 2 && deliveries[0].count === 10 && deliveries[1].count === 1,
  'delivered: queue:work -> the consumer (10) and the basic.get connection (1)');
check(deliveries[0].top_label === 'Order.create', 'labels are the message type');
check(actor('queue:work').kind === 'queue' && actor('queue:work').mailbox_time.count === 11
  && actor('queue:work').pending === 0, 'time in queue measured for every order, none left pending');
check(actor('exchange:nowhere').dropped === 1, 'the unroutable publish is a drop at its exchange');
check(sum(edge(conn, 'exchange:(default)'), 'count') === 10, 'RPC requests and replies go through the default exchange');
check(sum(edge('exchange:(default)', 'queue:rpc'), 'count') === 5, 'requests routed to queue:rpc');
const rpcClient = s.actors.filter((a) => conn.test(a.name) && a.round_trip && a.round_trip.count > 0);
check(rpcClient.length === 1 && rpcClient[0].round_trip.count === 5 && rpcClient[0].unanswered === 0,
  'five round trips at the RPC client, none unanswered');
check(edge(/^queue:amq\.gen-/, rpcClient[0].name)[0].count === 5, 'replies delivered from the reply queue to the client');

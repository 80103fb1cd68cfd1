// Records one small XState v5 system (a pinger invoking a ponger, five
// PING/PONG round trips, then both stop) as the two XState file formats
// actorscope reads (data/formats/xstate.md), with the real xstate and
// @statelyai/inspect from web/node_modules:
//   node tests/record/record-xstate.mjs INSPECT.ndjson RAW.ndjson
// INSPECT: @statelyai/inspect's stream (what createWebSocketInspector sends,
// one event per line); RAW: xstate's own InspectionEvents, JSON.stringify'd.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../../web/package.json'));
const { createMachine, createActor, sendTo, assign } = require('xstate');
const { createInspector } = require('@statelyai/inspect');

const [inspectPath, rawPath] = process.argv.slice(2);
if (!inspectPath || !rawPath) {
  console.error('usage: record-xstate.mjs INSPECT.ndjson RAW.ndjson');
  process.exit(2);
}

const streamed = [];
const inspector = createInspector({
  send: (event) => streamed.push(JSON.stringify(event)),
  start: () => {},
  stop: () => {},
});
const raw = [];

const pong = createMachine({
  id: 'ponger',
  on: { PING: { actions: sendTo(({ event }) => event.from, { type: 'PONG' }) } },
});
const ping = createMachine({
  id: 'pinger',
  context: { n: 0 },
  invoke: { id: 'ponger', src: pong },
  entry: sendTo('ponger', ({ self }) => ({ type: 'PING', from: self })),
  initial: 'playing',
  states: {
    playing: {
      on: {
        PONG: [
          { guard: ({ context }) => context.n >= 4, target: 'over' },
          { actions: [assign({ n: ({ context }) => context.n + 1 }),
                      sendTo('ponger', ({ self }) => ({ type: 'PING', from: self }))] },
        ],
      },
    },
    over: { type: 'final' },
  },
});

inspector.start();
const actor = createActor(ping, {
  inspect: (e) => { raw.push(JSON.stringify(e)); inspector.inspect.next(e); },
});
actor.start();
await new Promise((resolve) => setTimeout(resolve, 200));
actor.stop();
inspector.stop();
writeFileSync(inspectPath, streamed.join('\n') + '\n');
writeFileSync(rawPath, raw.join('\n') + '\n');

// Retention end to end: a real broker checking retention every 200 ms, topics created by kafkajs
// with small segments and a small retention.bytes or retention.ms (set at creation, or later with
// alterConfigs while the broker runs). Whole old segments go in the background and the log start
// offset moves: kafkajs (fetchTopicOffsets, a group consumer from the beginning) and kcat (-Q, -o
// beginning, and a fetch from offset 0 that gets OFFSET_OUT_OF_RANGE and resets to the earliest
// offset) all see the new start, and every record from there on is still there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import kafkajs from 'kafkajs';
import type { Admin, Producer } from 'kafkajs';
import { BrokerProcess, runCommand } from '../helpers/broker.js';
import { connectKafkajs, disconnectAll, type KafkaClient } from '../helpers/kafkajs.js';
import { eventually, requireKcat } from '../helpers/clients.js';

const { ConfigResourceTypes } = kafkajs;
const noKcat = requireKcat();

let broker: BrokerProcess;
let kafka: KafkaClient;
let admin: Admin;
let producer: Producer;

before(async () => {
  broker = await BrokerProcess.start({ overrides: { 'log.retention.check.interval.ms': 200, 'group.initial.rebalance.delay.ms': 0 } });
  ({ kafka, admin, producer } = await connectKafkajs(broker.bootstrap, 'samsa-retention-test'));
});

after(async () => {
  await disconnectAll(producer, admin);
  await broker?.dispose();
});

const segments = (topic: string): number => fs.readdirSync(path.join(broker.dataDir, `${topic}-0`)).filter((n) => n.endsWith('.log')).length;

/** One record a send, so that every record is a batch of its own. */
async function fill(topic: string, count: number, timestamp: () => number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await producer.send({ topic, acks: -1, messages: [{ partition: 0, key: `k${i}`, value: `record ${i} ${'.'.repeat(150)}`, timestamp: String(timestamp()) }] });
  }
}

async function lowWatermark(topic: string): Promise<{ low: number; high: number }> {
  const [p] = await admin.fetchTopicOffsets(topic);
  return { low: Number(p!.low), high: Number(p!.high) };
}

/** The offsets once the log start offset has not moved for 600 ms (three retention checks). */
async function settled(topic: string): Promise<{ low: number; high: number }> {
  let last = await lowWatermark(topic);
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const w = await lowWatermark(topic);
    if (w.low !== last.low) {
      last = w;
      since = Date.now();
    } else if (Date.now() - since >= 600) {
      return w;
    }
  }
}

/** What a kafkajs group consumer reading from the beginning gets. */
async function consumeAll(topic: string, expected: number): Promise<number[]> {
  const consumer = kafka.consumer({ groupId: `reader-${topic}`, maxWaitTimeInMs: 200 });
  const offsets: number[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { offsets.push(Number(message.offset)); } });
    await eventually(`the consumer to read ${expected} records`, async () => (offsets.length >= expected ? true : undefined), 20_000, 100);
  } finally {
    await consumer.disconnect().catch(() => {});
  }
  return offsets;
}

async function kcat(args: string[]): Promise<string> {
  const r = await runCommand('kcat', ['-b', broker.bootstrap, ...args], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, `kcat ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

/** kcat's view: -Q earliest, -o beginning, and -o 0 reset to the earliest offset after OFFSET_OUT_OF_RANGE. */
async function kcatSees(topic: string, low: number, high: number): Promise<void> {
  if (noKcat !== false) return;
  assert.equal((await kcat(['-Q', '-t', `${topic}:0:-2`])).trim(), `${topic} [0] offset ${low}`);
  const offsets = (args: string[]) => kcat(['-C', '-t', topic, '-p', '0', ...args, '-e', '-q', '-f', '%o\n']).then((out) => out.split('\n').filter((l) => l !== '').map(Number));
  const range = Array.from({ length: high - low }, (_, i) => low + i);
  assert.deepEqual(await offsets(['-o', 'beginning']), range);
  assert.deepEqual(await offsets(['-o', '0', '-X', 'auto.offset.reset=earliest']), range);
}

describe('retention in a running broker', () => {
  test('retention.bytes: the oldest segments go and every reader starts at the new log start offset', async () => {
    const topic = 'ret-bytes';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '1000' }, { name: 'retention.bytes', value: '3000' }] }] });
    await fill(topic, 60, () => Date.now());
    await eventually('retention to move the log start offset', async () => {
      const w = await lowWatermark(topic);
      return w.low > 0 && segments(topic) <= 5 ? w : undefined;
    }, 20_000, 100);
    // retention runs every 200 ms and a pass may have run while the records were still coming:
    // the readers are compared once the log start offset has stayed put for three passes
    const { low, high } = await settled(topic);
    assert.equal(high, 60);
    assert.ok(low >= 30, `log start offset ${low}`);
    assert.ok(broker.output.some((l) => l.includes('retention deleted old segments')));
    assert.deepEqual(await consumeAll(topic, high - low), Array.from({ length: high - low }, (_, i) => low + i));
    await kcatSees(topic, low, high);
  });

  test('retention.ms, set with alterConfigs while the broker runs: segments older than it go, newer ones stay', async () => {
    const topic = 'ret-time';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '1000' }] }] });
    const old = Date.now() - 2 * 3_600_000;
    await fill(topic, 40, () => old);
    await fill(topic, 20, () => Date.now());
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await lowWatermark(topic)).low, 0, 'the default retention.ms keeps everything');
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'segment.bytes', value: '1000' }, { name: 'retention.ms', value: '3600000' }] }] });
    const { low, high } = await eventually('retention.ms to delete the old segments', async () => {
      const w = await lowWatermark(topic);
      return w.low > 0 ? w : undefined;
    }, 20_000, 100);
    assert.equal(high, 60);
    // every old segment went; the one that holds the first new record stays
    assert.ok(low > 30 && low <= 40, `log start offset ${low}`);
    assert.deepEqual(await consumeAll(topic, high - low), Array.from({ length: high - low }, (_, i) => low + i));
    await kcatSees(topic, low, high);
  });
});

// Start-up recovery against real broker processes, with what kafkajs (idempotent, acks -1) produced:
// - kill -9, then garbage after the last batch of a partition and a closed segment's offset index
//   cut mid-entry: the next start logs, for that partition, the bytes dropped and from which offset,
//   the rebuilt indexes and the producer state replayed, then a summary line; the data is intact.
// - a clean stop (SIGTERM) leaves .kafka_cleanshutdown in the log dir; the next start takes it,
//   says it skips the recovery scan, scans nothing, and the data and producer state are intact; a
//   kill -9 after that start leads to a full recovery again (the marker is gone).
// - the marker with a damaged active segment: the damage is found by the cheap tail check and
//   that partition is scanned and truncated as after a crash.
// - kill -9 with log.flush.interval.messages=1: each partition is scanned from its recovery point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { eventually } from '../helpers/clients.js';

const { Kafka, logLevel } = kafkajs;

const TOPIC = 'recovering';
const MARKER = '.kafka_cleanshutdown';

/** Starts a broker with small segments, creates TOPIC (2 partitions) and produces `rounds` rounds to both partitions. */
async function startAndProduce(rounds: number, overrides: Record<string, number> = {}): Promise<{ broker: BrokerProcess; sent: string[][] }> {
  const broker = await BrokerProcess.start({ overrides: { 'log.segment.bytes': 1048576, 'log.index.interval.bytes': 1024, ...overrides } });
  const kafka = new Kafka({ clientId: 'samsa-clean-shutdown-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const sent: string[][] = [[], []];
  try {
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] }), true);
    await producer.connect();
    for (let r = 0; r < rounds; r++) {
      for (const partition of [0, 1]) {
        const values = Array.from({ length: 20 }, (_, i) => `p${partition}-r${r}-${i}-`.padEnd(1000, 'x'));
        await producer.send({ topic: TOPIC, acks: -1, messages: values.map((value) => ({ partition, value })) });
        sent[partition]!.push(...values);
      }
    }
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
  return { broker, sent };
}

async function restart(old: BrokerProcess): Promise<BrokerProcess> {
  return BrokerProcess.start({ ...old.options, port: old.port, dataDir: old.dataDir });
}

function partitionDir(broker: BrokerProcess, partition: number): string {
  return path.join(broker.dataDir, `${TOPIC}-${partition}`);
}

function segmentFiles(broker: BrokerProcess, partition: number, suffix: string): string[] {
  return fs.readdirSync(partitionDir(broker, partition)).filter((n) => n.endsWith(suffix)).sort().map((n) => path.join(partitionDir(broker, partition), n));
}

/**
 * Waits until the flushes of every rolled segment of the partition have completed: its recovery
 * point has moved to the active segment (a crash before that scans the rolled segment too, see
 * PartitionLog.roll, and counts its indexes as rebuilt).
 */
async function rolledSegmentsFlushed(broker: BrokerProcess, partition: number): Promise<void> {
  const active = path.basename(segmentFiles(broker, partition, '.log').at(-1)!, '.log');
  await eventually(`the recovery point of partition ${partition} in its active segment`, async () => {
    const point = fs.readFileSync(path.join(partitionDir(broker, partition), 'recovery-point-checkpoint'), 'utf8').split('\n')[2]?.split(' ')[0];
    return Number(point) === Number(active) ? true : undefined;
  });
}

/** The JSON log lines whose msg matches. */
function lines(broker: BrokerProcess, msg: RegExp): Array<Record<string, unknown>> {
  return broker.output.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => msg.test(String(l.msg)));
}

async function assertIntact(broker: BrokerProcess, sent: string[][]): Promise<void> {
  const raw = await RawClient.open(broker.bootstrap);
  try {
    for (const partition of [0, 1]) {
      const { records, highWatermark } = await raw.readPartition(TOPIC, partition, { partitionMaxBytes: 1 << 20 });
      assert.equal(highWatermark, sent[partition]!.length);
      assert.deepEqual(records.map((r) => r.value?.toString()), sent[partition]);
    }
  } finally {
    await raw.close();
  }
}

/** Produces once more with a fresh idempotent producer: the log continues where it was. */
async function produceAgain(broker: BrokerProcess, sent: string[][]): Promise<void> {
  const kafka = new Kafka({ clientId: 'samsa-clean-shutdown-again', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const [r] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 0, value: 'after-restart' }] });
    assert.equal(Number(r!.baseOffset), sent[0]!.length);
    sent[0]!.push('after-restart');
  } finally {
    await producer.disconnect();
  }
}

test('kill -9, a torn tail and a cut index: the log lines name the partition, the bytes dropped and the rebuilt indexes', async () => {
  let { broker, sent } = await startAndProduce(60);
  try {
    // the rolled segments made durable, so that the only index rebuilt is the one cut below
    await rolledSegmentsFlushed(broker, 0);
    await rolledSegmentsFlushed(broker, 1);
    await broker.kill();
    const logs0 = segmentFiles(broker, 0, '.log');
    assert.ok(logs0.length >= 2, `several segments: ${logs0.join(', ')}`);
    fs.appendFileSync(logs0.at(-1)!, Buffer.alloc(100, 0xff));
    fs.truncateSync(logs0[0]!.replace(/\.log$/, '.index'), 3);

    broker = await restart(broker);
    assert.equal(lines(broker, /clean shutdown marker found/).length, 0);
    const [p0] = lines(broker, new RegExp(`^recovered ${TOPIC}-0:`));
    assert.ok(p0 !== undefined, broker.output.join('\n'));
    assert.equal(p0.level, 40);
    assert.deepEqual([p0.partition, p0.truncatedBytes, p0.truncatedFromOffset, p0.rebuiltIndexes], [`${TOPIC}-0`, 100, sent[0]!.length, 1]);
    assert.match(String(p0.msg), new RegExp(`truncated 100 bytes from offset ${sent[0]!.length}, rebuilt the indexes of 1 segment\\(s\\), scanned \\d+ bytes, restored producer state from the snapshot at offset \\d+ \\+ \\d+ batches`));
    const [p1] = lines(broker, new RegExp(`^recovered ${TOPIC}-1:`));
    assert.ok(p1 !== undefined && p1.truncatedBytes === 0 && p1.level === 30);
    const [done] = lines(broker, /^recovery done$/);
    assert.ok(done !== undefined);
    assert.equal(done.truncatedBytes, 100);
    assert.equal(done.truncatedPartitions, 1);
    assert.equal(done.rebuiltIndexes, 1);
    assert.ok(Number(done.scannedBytes) > 0);
    assert.equal(typeof lines(broker, /^samsa started$/)[0]?.recoveryMs, 'number');
    await assertIntact(broker, sent);
    await produceAgain(broker, sent);
  } finally {
    await broker.dispose();
  }
});

test('a clean stop writes the marker; the next start skips the recovery scan with the data intact; a crash after that recovers in full', async () => {
  let { broker, sent } = await startAndProduce(30);
  try {
    assert.equal(await broker.stop(), 0);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(broker.dataDir, MARKER), 'utf8')), { version: 0, brokerEpoch: -1 });
    assert.deepEqual(lines(broker, /^samsa stopped$/)[0]?.cleanShutdownMarkers, [broker.dataDir]);

    broker = await restart(broker);
    assert.ok(!fs.existsSync(path.join(broker.dataDir, MARKER)), 'taken at start-up');
    assert.deepEqual(lines(broker, /^clean shutdown marker found; skipping recovery scan$/).map((l) => l.logDir), [broker.dataDir]);
    const [done] = lines(broker, /^recovery done$/);
    assert.deepEqual([done?.scannedBytes, done?.truncatedBytes, done?.replayedBatches], [0, 0, 0]);
    assert.ok(Number(done?.skippedScans) >= 2);
    assert.deepEqual(lines(broker, /^recovered /), []);
    await assertIntact(broker, sent);
    await produceAgain(broker, sent);

    // the marker was taken: a crash now means a full recovery
    await broker.kill();
    broker = await restart(broker);
    assert.deepEqual(lines(broker, /clean shutdown marker found/), []);
    assert.ok(Number(lines(broker, /^recovery done$/)[0]?.scannedBytes) > 0);
    await assertIntact(broker, sent);
  } finally {
    await broker.dispose();
  }
});

test('the marker with a damaged active segment: that partition is scanned and truncated anyway', async () => {
  let { broker, sent } = await startAndProduce(10);
  try {
    assert.equal(await broker.stop(), 0);
    fs.appendFileSync(segmentFiles(broker, 1, '.log').at(-1)!, Buffer.alloc(64, 0));
    broker = await restart(broker);
    assert.equal(lines(broker, /^clean shutdown marker found/).length, 1);
    const recovered = lines(broker, /^recovered /);
    assert.deepEqual(recovered.map((l) => [l.partition, l.truncatedBytes, l.truncatedFromOffset]), [[`${TOPIC}-1`, 64, sent[1]!.length]]);
    await assertIntact(broker, sent);
  } finally {
    await broker.dispose();
  }
});

test('kill -9 with log.flush.interval.messages=1: recovery scans from each partition\'s recovery point, and says so', async () => {
  let { broker, sent } = await startAndProduce(10, { 'log.flush.interval.messages': 1 });
  try {
    await broker.kill();
    broker = await restart(broker);
    const recovered = lines(broker, new RegExp(`^recovered ${TOPIC}-`));
    assert.equal(recovered.length, 2);
    for (const l of recovered) {
      // the first flush of each partition wrote its recovery point (later ones within a minute did not)
      assert.ok(Number(l.recoveryPointOffset) > 0, JSON.stringify(l));
      assert.match(String(l.msg), /scanned \d+ bytes from the recovery point at offset \d+/);
    }
    await assertIntact(broker, sent);
    await produceAgain(broker, sent);
  } finally {
    await broker.dispose();
  }
});

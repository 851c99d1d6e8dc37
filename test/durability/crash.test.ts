// Crash durability: kafkajs producers keep a load of small sends going, recording every
// acknowledged (partition, offset, value); the broker is killed with SIGKILL mid-load, and a new
// broker process opens the same data directory. Every acknowledged record must be read back at
// its acknowledged offset with its value; unacknowledged ones may or may not be there (but nothing
// else may be, and offsets have no holes); producing again continues at the log end offset.
// Variants: acks -1 and acks 1 with the default flush policy, and log.flush.interval.messages=1.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import kafkajs from 'kafkajs';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { buildBatch } from '../records/build-batch.js';

const { Kafka, logLevel, Partitioners } = kafkajs;

const PARTITIONS = 3;
const WORKERS = 6;
/** Raw-protocol produce loops beside kafkajs (cheap on the client, so the broker stays busy). */
const RAW_WORKERS = 8;

interface Acked { partition: number; offset: number; value: string }

async function crashRun(t: TestContext, name: string, acks: -1 | 1, overrides: Record<string, string | number> = {}): Promise<void> {
  const topic = `crash-${name}`;
  const broker = await BrokerProcess.start({ overrides });
  const dataDir = broker.dataDir;
  let second: BrokerProcess | undefined;
  let raw: RawClient | undefined;
  try {
    // no retries: a send that fails is simply unacknowledged, never re-sent to the next broker
    const kafka = new Kafka({ clientId: `samsa-crash-${name}`, brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, requestTimeout: 5000 });
    const admin = kafka.admin();
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] }), true);
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();

    const acked: Acked[] = [];
    const attempted = new Set<string>();
    let failures = 0;
    let stop = false;
    const worker = async (w: number): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const partition = (w + n) % PARTITIONS;
        const size = 1 + (n % 4);
        const values = Array.from({ length: size }, (_, i) => `w${w}-n${n}-i${i}-${'x'.repeat((n * 7 + i) % 50)}`);
        for (const v of values) attempted.add(v);
        try {
          const res = await producer.send({ topic, acks, messages: values.map((value) => ({ partition, value })) });
          const r = res.find((x) => x.partition === partition);
          assert.ok(r !== undefined && r.errorCode === 0, `send result ${JSON.stringify(res)}`);
          values.forEach((value, i) => acked.push({ partition, offset: Number(r.baseOffset) + i, value }));
        } catch (err) {
          if (!stop) throw err;
          failures++;
          return;
        }
      }
    };
    // beside kafkajs, pipelined raw Produce requests keep appends in flight in the broker
    const pressure = await RawClient.open(broker.bootstrap);
    let inflight = 0;
    const rawWorker = async (w: number): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const partition = (w + n) % PARTITIONS;
        const values = Array.from({ length: 20 }, (_, i) => `raw${w}-n${n}-i${i}-${'y'.repeat((n * 13 + i) % 80)}`);
        for (const v of values) attempted.add(v);
        inflight++;
        try {
          const r = await pressure.produce(topic, partition, buildBatch({ records: values.map((value) => ({ value })), baseTimestamp: Date.now() }), acks);
          assert.equal(r.errorCode, 0, `raw produce error ${r.errorCode}`);
          values.forEach((value, i) => acked.push({ partition, offset: r.baseOffset + i, value }));
        } catch (err) {
          if (!stop) throw err;
          failures++;
          return;
        } finally {
          inflight--;
        }
      }
    };
    const started = Date.now();
    const load = [
      ...Array.from({ length: WORKERS }, (_, w) => worker(w)),
      ...Array.from({ length: RAW_WORKERS }, (_, w) => rawWorker(w)),
    ];
    // let the load run, then kill -9 while sends are in flight
    await new Promise((r) => setTimeout(r, 1500));
    const ackedBeforeKill = acked.length;
    const inflightAtKill = inflight;
    const killed = broker.kill(); // SIGKILL goes out now, while sends are in flight
    stop = true;
    await killed;
    await pressure.close();
    const results = await Promise.allSettled(load);
    const unexpected = results.filter((r) => r.status === 'rejected');
    assert.deepEqual(unexpected, [], 'sends failed before the kill');
    await producer.disconnect().catch(() => {});
    assert.ok(ackedBeforeKill > 100, `only ${ackedBeforeKill} records acknowledged in ${Date.now() - started} ms`);

    // a new broker process on the same data directory
    second = await BrokerProcess.start({ overrides, dataDir });
    const rc = raw = await RawClient.open(second.bootstrap);
    assert.equal((await rc.describeTopic(topic)).partitions, PARTITIONS);

    const ends: number[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const { records, highWatermark, logStartOffset } = await rc.readPartition(topic, p);
      assert.equal(logStartOffset, 0);
      // no holes: offsets 0 .. highWatermark - 1, each once
      assert.equal(records.length, highWatermark, `${topic}-${p}: ${records.length} records below high watermark ${highWatermark}`);
      records.forEach((r, i) => assert.equal(r.offset, i, `${topic}-${p}: offset ${r.offset} at position ${i}`));
      const byOffset = new Map(records.map((r) => [r.offset, r.value?.toString()]));
      const mine = acked.filter((a) => a.partition === p);
      for (const a of mine) {
        assert.equal(byOffset.get(a.offset), a.value, `${topic}-${p}: acknowledged record at offset ${a.offset} lost or changed`);
      }
      // whatever else survived is something a producer sent, and nothing appears twice
      const seen = new Set<string>();
      for (const r of records) {
        const v = r.value?.toString() ?? '<null>';
        assert.ok(attempted.has(v), `${topic}-${p}@${r.offset}: value never sent: ${v}`);
        assert.ok(!seen.has(v), `${topic}-${p}@${r.offset}: ${v} stored twice`);
        seen.add(v);
      }
      const maxAcked = mine.reduce((m, a) => Math.max(m, a.offset), -1);
      assert.ok(highWatermark > maxAcked, `${topic}-${p}: high watermark ${highWatermark} at or below acknowledged offset ${maxAcked}`);
      ends.push(highWatermark);
    }

    // producing continues at the recovered log end offsets
    const kafka2 = new Kafka({ clientId: `samsa-crash-${name}-after`, brokers: [second.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const producer2 = kafka2.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer2.connect();
    try {
      for (let p = 0; p < PARTITIONS; p++) {
        const res = await producer2.send({ topic, acks: -1, messages: [{ partition: p, value: `after-${p}-a` }, { partition: p, value: `after-${p}-b` }] });
        assert.equal(res[0]!.baseOffset, String(ends[p]), `${topic}-${p}: first offset after the crash`);
      }
    } finally {
      await producer2.disconnect();
    }
    for (let p = 0; p < PARTITIONS; p++) {
      const { records } = await rc.readPartition(topic, p, { from: ends[p]! });
      assert.deepEqual(records.map((r) => [r.offset, r.value?.toString()]), [[ends[p]!, `after-${p}-a`], [ends[p]! + 1, `after-${p}-b`]]);
    }
    const total = ends.reduce((a, b) => a + b, 0);
    t.diagnostic(`${name}: ${acked.length} acknowledged, ${total} recovered, ${inflightAtKill} raw produces in flight at the kill, ${failures} sends cut off by it`);
  } finally {
    await raw?.close();
    await second?.dispose();
    await broker.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

test('kill -9 under an acks=-1 load: every acknowledged record survives at its offset', async (t) => {
  await crashRun(t, 'acks-all', -1);
});

test('kill -9 under an acks=1 load: every acknowledged record survives at its offset', async (t) => {
  await crashRun(t, 'acks-leader', 1);
});

test('kill -9 with log.flush.interval.messages=1: every acknowledged record survives at its offset', async (t) => {
  await crashRun(t, 'flush-each', -1, { 'log.flush.interval.messages': 1 });
});

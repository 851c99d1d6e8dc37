// kcat (librdkafka 2.0.2) against a real broker process: produce keyed messages with headers at
// acks -1, 1 and 0, consume them back with a -f format that prints every field, list metadata
// (-L, plain and JSON), consume from an offset, a relative offset and a timestamp of one
// partition (-p), and query offsets (-Q: ListOffsets by timestamp, earliest, latest). Every codec
// round-trips, stored as kcat sent it or recompressed into a topic's compression.type.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess, runCommand } from '../helpers/broker.js';
import { eventually, requireKcat } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { decodeBatches } from '../helpers/record-batch.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { loadCodecs } from '../../src/protocol/records/compression.js';

const skip = requireKcat();
// Two of these tests guard broker bugs they found: pipelined appends run out of order (Piscina
// 5.1.4 re-queues a task it could not hand out at the tail of its queue, piscinajs/piscina#1031;
// src/workers/pool.ts now sends each shard's tasks in order on the shard's own port), and requests held back when the client
// half-closes were dropped (src/server/connection.ts now finishes them first).
const PARTITIONS = 3;
const TOPIC = 'kcat-roundtrip';

interface Consumed {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  keyLength: number;
  headers: string;
  value: string;
  timestamp: number;
}

/** Tab-separated, one message a line: everything the broker stored, as kcat sees it. */
const FORMAT = '%t\\t%p\\t%o\\t%k\\t%K\\t%h\\t%s\\t%T\\n';

function parseConsumed(stdout: string): Consumed[] {
  return stdout.split('\n').filter((l) => l !== '').map((line) => {
    const f = line.split('\t');
    assert.equal(f.length, 8, `malformed kcat line ${JSON.stringify(line)}`);
    return {
      topic: f[0]!, partition: Number(f[1]), offset: Number(f[2]), key: f[3]!, keyLength: Number(f[4]),
      headers: f[5]!, value: f[6]!, timestamp: Number(f[7]),
    };
  });
}

interface Sent { key: string; value: string; headers: string; run: number }

describe('kcat', { skip }, () => {
  let broker: BrokerProcess;
  const sent: Sent[] = [];
  let all: Consumed[] = [];

  async function kcat(args: string[], input?: string): Promise<string> {
    const r = await runCommand('kcat', ['-b', broker.bootstrap, ...args], { input, timeoutMs: 20_000 });
    assert.equal(r.code, 0, `kcat ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r.stdout;
  }

  async function consume(args: string[]): Promise<Consumed[]> {
    return parseConsumed(await kcat(['-C', '-t', TOPIC, '-e', '-q', '-f', FORMAT, ...args]));
  }

  /** Produces `count` lines key-N:value through one kcat process with the given headers and -X settings. */
  async function produce(run: number, count: number, headers: [string, string | null][], extra: string[]): Promise<void> {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const key = `key-${i % 7}`;
      // Values carry characters that matter to nothing but a broken codec: '=', ',', ':', UTF-8.
      const value = `run${run}-msg${i}=a,b:c ünï ✓`;
      lines.push(`${key}:${value}`);
      // -f's %h prints a null header value as NULL.
      sent.push({ key, value, headers: headers.map(([k, v]) => `${k}=${v ?? 'NULL'}`).join(','), run });
    }
    // `-H name` (no '=') sends a null header value.
    const h = headers.flatMap(([k, v]) => ['-H', v === null ? k : `${k}=${v}`]);
    await kcat(['-P', '-t', TOPIC, '-K:', ...h, ...extra], `${lines.join('\n')}\n`);
  }

  before(async () => {
    broker = await BrokerProcess.start({ overrides: { 'num.partitions': PARTITIONS } });
  });
  after(async () => {
    await broker?.dispose();
  });

  it('produces keyed messages with headers at acks=-1, acks=1 and acks=0', async () => {
    // Repeated header names, empty and null header values are legal and must survive as sent.
    await produce(1, 120, [['src', 'kcat'], ['run', '1'], ['run', 'again'], ['empty', ''], ['nothing', null], ['uni', 'ü✓']], ['-X', 'acks=-1']);
    await produce(2, 60, [['src', 'kcat'], ['run', '2']], ['-X', 'acks=1', '-X', 'linger.ms=50']);
    await produce(3, 30, [['run', '3']], ['-X', 'acks=0']);
    // acks=0 gets no answer: wait until the broker has appended all of it (ListOffsets, latest).
    await eventually('all messages to be appended', async () => {
      const out = await kcat(['-Q', ...Array.from({ length: PARTITIONS }, (_, p) => ['-t', `${TOPIC}:${p}:-1`]).flat()]);
      const total = [...out.matchAll(/offset (\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
      return total === sent.length ? total : undefined;
    }, 15_000, 200);
  });

  it('consumes every message back from the beginning with partition, offset, key, headers and payload', async () => {
    all = await consume(['-o', 'beginning']);
    assert.equal(all.length, sent.length);
    const partitionOfKey = new Map<string, number>();
    for (let p = 0; p < PARTITIONS; p++) {
      const inPartition = all.filter((m) => m.partition === p).sort((a, b) => a.offset - b.offset);
      assert.deepEqual(inPartition.map((m) => m.offset), inPartition.map((_, i) => i), `partition ${p} offsets are dense from 0`);
    }
    for (const m of all) {
      assert.equal(m.topic, TOPIC);
      assert.ok(m.partition >= 0 && m.partition < PARTITIONS);
      assert.equal(m.keyLength, Buffer.byteLength(m.key));
      const known = partitionOfKey.get(m.key);
      if (known === undefined) partitionOfKey.set(m.key, m.partition);
      else assert.equal(m.partition, known, `key ${m.key} went to one partition`);
      assert.ok(Math.abs(m.timestamp - Date.now()) < 120_000, `timestamp ${m.timestamp} is the producer's create time`);
    }
    const asSent = (s: { key: string; value: string; headers: string }): string => JSON.stringify([s.key, s.value, s.headers]);
    assert.deepEqual(all.map(asSent).sort(), sent.map(asSent).sort());
    // Within a partition, one producer's messages keep their order.
    for (let p = 0; p < PARTITIONS; p++) {
      const values = all.filter((m) => m.partition === p).sort((a, b) => a.offset - b.offset).map((m) => m.value);
      const order = values.map((v) => sent.findIndex((s) => s.value === v));
      assert.deepEqual(order, [...order].sort((a, b) => a - b), `partition ${p} is in produce order`);
    }
  });

  it('keeps null and empty header values apart (-J)', async () => {
    const out = await kcat(['-C', '-t', TOPIC, '-e', '-q', '-J', '-o', 'beginning']);
    const messages = out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { payload: string; headers?: (string | null)[] });
    assert.equal(messages.length, sent.length);
    for (const m of messages.filter((x) => x.payload.startsWith('run1-'))) {
      assert.deepEqual(m.headers, ['src', 'kcat', 'run', '1', 'run', 'again', 'empty', '', 'nothing', null, 'uni', 'ü✓']);
    }
  });

  it('lists the topic and the broker in metadata (-L)', async () => {
    const plain = await kcat(['-L']);
    assert.match(plain, new RegExp(`broker 1 at ${broker.bootstrap.replace(/\./g, '\\.')}`));
    assert.match(plain, new RegExp(`topic "${TOPIC}" with ${PARTITIONS} partitions`));
    const md = JSON.parse(await kcat(['-L', '-J', '-t', TOPIC]));
    assert.deepEqual(md.brokers, [{ id: 1, name: broker.bootstrap }]);
    assert.equal(md.controllerid, 1);
    assert.equal(md.topics.length, 1);
    const t = md.topics[0];
    assert.equal(t.topic, TOPIC);
    assert.equal(t.error, undefined, `topic error ${t.error}`);
    assert.deepEqual(t.partitions.map((p: { partition: number }) => p.partition).sort(), [0, 1, 2]);
    for (const p of t.partitions) {
      assert.equal(p.leader, 1);
      assert.deepEqual(p.replicas, [{ id: 1 }]);
      assert.deepEqual(p.isrs, [{ id: 1 }]);
    }
  });

  it('consumes one partition (-p) from an absolute offset, a relative offset and a timestamp', async () => {
    const counts = Array.from({ length: PARTITIONS }, (_, p) => all.filter((m) => m.partition === p).length);
    const p = counts.indexOf(Math.max(...counts));
    const partition = all.filter((m) => m.partition === p).sort((a, b) => a.offset - b.offset);
    assert.ok(partition.length >= 10, `partition ${p} has ${partition.length} messages`);

    const from5 = await consume(['-p', String(p), '-o', '5']);
    assert.deepEqual(from5, partition.slice(5));

    const last3 = await consume(['-p', String(p), '-o', '-3']);
    assert.deepEqual(last3, partition.slice(-3));

    const atEnd = await consume(['-p', String(p), '-o', 'end']);
    assert.deepEqual(atEnd, []);

    // s@ts: the first offset whose timestamp is at or after ts (ListOffsets by timestamp).
    const run2 = partition.find((m) => m.value.startsWith('run2-'));
    assert.ok(run2 !== undefined, `partition ${p} has messages of run 2`);
    const expected = partition.slice(partition.findIndex((m) => m.timestamp >= run2.timestamp));
    assert.deepEqual(await consume(['-p', String(p), '-o', `s@${run2.timestamp}`]), expected);
  });

  it('stores compressed batches (gzip, snappy, lz4, zstd) and serves them from an offset inside a batch', async () => {
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const topic = `kcat-${codec}`;
      const lines = Array.from({ length: 40 }, (_, i) => `k${i % 3}:${codec} message ${i} ${'x'.repeat(i * 10)}`);
      for (const half of [lines.slice(0, 25), lines.slice(25)]) {
        await kcat(['-P', '-t', topic, '-p', '0', '-K:', '-z', codec, '-X', 'linger.ms=20'], `${half.join('\n')}\n`);
      }
      const back = parseConsumed(await kcat(['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', FORMAT]));
      assert.deepEqual(back.map((m) => `${m.key}:${m.value}`), lines, `${codec}: everything back in order`);
      assert.deepEqual(back.map((m) => m.offset), lines.map((_, i) => i));
      const fromMiddle = parseConsumed(await kcat(['-C', '-t', topic, '-p', '0', '-o', '13', '-e', '-q', '-f', FORMAT]));
      assert.deepEqual(fromMiddle, back.slice(13), `${codec}: from offset 13`);
    }
  });

  it('a topic\'s compression.type: batches kcat sends in another codec are recompressed, and read back', async () => {
    await loadCodecs();
    const raw = await RawClient.open(broker.bootstrap);
    try {
      const codecs = ['gzip', 'snappy', 'lz4', 'zstd']; // attribute codes 1-4
      for (const [i, codec] of codecs.entries()) {
        const stored = codecs[(i + 1) % codecs.length]!;
        const topic = `kcat-${codec}-to-${stored}`;
        const created = await raw.request(ApiKey.CreateTopics, 7, {
          topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'compression.type', value: stored }] }], timeoutMs: 5000, validateOnly: false,
        });
        assert.equal(created.topics[0].errorCode, 0);
        const lines = Array.from({ length: 30 }, (_, n) => `k${n % 4}:${codec} to ${stored} ${n} ${'y'.repeat(n * 9)}`);
        await kcat(['-P', '-t', topic, '-p', '0', '-K:', '-z', codec, '-X', 'linger.ms=20'], `${lines.join('\n')}\n`);
        const back = parseConsumed(await kcat(['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', FORMAT]));
        assert.deepEqual(back.map((m) => `${m.key}:${m.value}`), lines, `${codec} to ${stored}: everything back in order`);
        const batches = decodeBatches((await raw.fetchOnce(topic, 0, 0)).responses[0].partitions[0].records);
        assert.deepEqual([...new Set(batches.map((b) => b.compression))], [codecs.indexOf(stored) + 1], `${topic}: stored in ${stored}`);
      }
    } finally {
      await raw.close();
    }
  });

  it('round-trips a message of 900 kB', async () => {
    const topic = 'kcat-large';
    const big = Array.from({ length: 900_000 }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join('');
    await kcat(['-P', '-t', topic, '-p', '1', '-K:'], `big:${big}\nsmall:after\n`);
    const back = parseConsumed(await kcat(['-C', '-t', topic, '-p', '1', '-o', 'beginning', '-e', '-q', '-f', FORMAT]));
    assert.equal(back.length, 2);
    assert.equal(back[0]!.key, 'big');
    assert.equal(back[0]!.value.length, big.length);
    assert.ok(back[0]!.value === big, 'payload intact');
    assert.deepEqual([back[1]!.key, back[1]!.value, back[1]!.offset], ['small', 'after', 1]);
  });

  it('wakes a waiting consumer as soon as messages arrive (Fetch long poll)', async () => {
    const topic = 'kcat-longpoll';
    await kcat(['-P', '-t', topic, '-p', '0'], 'first\n');
    // The consumer waits at offset 1 with a 20 s fetch wait; only a wake-up delivers within seconds.
    const consumer = runCommand('kcat', ['-b', broker.bootstrap, '-C', '-t', topic, '-p', '0', '-o', '1', '-c', '3', '-q', '-f', '%o:%s\n',
      '-X', 'fetch.wait.max.ms=20000', '-X', 'fetch.min.bytes=1'], { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    const producedAt = Date.now();
    await kcat(['-P', '-t', topic, '-p', '0'], 'second\nthird\nfourth\n');
    const r = await consumer;
    const waited = Date.now() - producedAt;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1:second\n2:third\n3:fourth\n');
    assert.ok(waited < 5_000, `the consumer got the messages ${waited} ms after they were produced`);
  });

  it('keeps a partition in produce order with many produce requests in flight', async () => {
    // One message per request, no linger: librdkafka pipelines hundreds of Produce requests on one
    // connection, and the broker must append them in the order they arrived.
    const topic = 'kcat-order';
    const lines = Array.from({ length: 1500 }, (_, i) => String(i));
    await kcat(['-P', '-t', topic, '-p', '0', '-X', 'batch.num.messages=1', '-X', 'linger.ms=0', '-X', 'max.in.flight=1000'], `${lines.join('\n')}\n`);
    const back = (await kcat(['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n'])).split('\n').filter((l) => l !== '');
    assert.equal(back.length, lines.length);
    const firstOutOfOrder = back.findIndex((v, i) => v !== lines[i]);
    assert.equal(firstOutOfOrder, -1, `offset ${firstOutOfOrder} holds message ${back[firstOutOfOrder]}; the first 12: ${back.slice(0, 12).join(' ')}`);
  });

  it('appends every acks=0 message of a producer that disconnects right after sending them', async () => {
    // kcat exits as soon as the requests are written; those the broker has read but not yet
    // dispatched (held back by samsa.max.in.flight.requests.per.connection) must still be appended.
    const topic = 'kcat-acks0';
    const lines = Array.from({ length: 1500 }, (_, i) => String(i));
    await kcat(['-P', '-t', topic, '-p', '0', '-X', 'acks=0', '-X', 'batch.num.messages=1', '-X', 'linger.ms=0'], `${lines.join('\n')}\n`);
    let end = -1;
    try {
      await eventually('every acks=0 message to be appended', async () => {
        end = Number(/offset (\d+)/.exec(await kcat(['-Q', '-t', `${topic}:0:-1`]))?.[1]);
        return end === lines.length ? end : undefined;
      }, 10_000, 250);
    } catch {
      assert.fail(`${end} of ${lines.length} acks=0 messages were appended`);
    }
    const back = (await kcat(['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n'])).split('\n').filter((l) => l !== '');
    assert.deepEqual(back, lines);
  });

  it('queries offsets (-Q): earliest, latest and by timestamp', async () => {
    const first = Math.min(...all.map((m) => m.timestamp));
    // kcat keeps one query per partition, so ask one kind at a time.
    for (const [kind, expectOf] of [
      [-2, () => 0],
      [-1, (p: number) => all.filter((m) => m.partition === p).length],
      [first, () => 0],
      [Date.now() + 3_600_000, () => -1],
    ] as [number, (p: number) => number][]) {
      const out = JSON.parse(await kcat(['-Q', '-J', ...Array.from({ length: PARTITIONS }, (_, p) => ['-t', `${TOPIC}:${p}:${kind}`]).flat()]));
      for (let p = 0; p < PARTITIONS; p++) {
        const r = out[TOPIC][String(p)];
        assert.equal(r.error, undefined, `partition ${p} at ${kind}: ${r.error}`);
        assert.equal(r.offset, expectOf(p), `partition ${p} offset for timestamp ${kind}`);
      }
    }
  });
});

// kafka-python 2.0.2 against a real broker process (test/clients/python/kafka_python_roundtrip.py):
// the broker version is auto-detected (ApiVersions v0, then Metadata v0); producers at acks
// all/1/0 send keyed messages with headers and explicit timestamps; a group-less consumer
// (assign + seek_to_beginning, no commits) reads them back; ListOffsets answers
// beginning_offsets, end_offsets and offsets_for_times.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker.js';
import { requirePythonModule, runPythonJson } from '../helpers/clients.js';

const skip = requirePythonModule('kafka', 'python3-kafka');
const PARTITIONS = 3;
const COUNT = 60;

interface Sent { i: number; acks: string; partition: number; offset: number; timestamp: number }
interface Consumed {
  partition: number; offset: number; timestamp: number; timestamp_type: number;
  key: string | null; value: string | null; headers: [string, string][];
}
interface Result {
  producer_api_version: number[];
  consumer_api_version: number[];
  partitions: number[];
  sent: Sent[];
  consumed: Consumed[];
  positions: Record<string, number>;
  beginning_offsets: Record<string, number>;
  end_offsets: Record<string, number>;
  offsets_for_times: Record<string, Record<string, { offset: number; timestamp: number } | null>>;
}

/** What the script sends as message i (headers as [name, hex value]). */
function expected(i: number): { key: string; value: string; headers: [string, string][] } {
  return {
    key: `key-${i % 5}`,
    value: `value-${i} ü✓`,
    headers: [['idx', Buffer.from(String(i)).toString('hex')], ['src', Buffer.from('kafka-python').toString('hex')], ['bin', Buffer.from([0, 255, i % 256]).toString('hex')]],
  };
}

function atLeast(version: number[], min: number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const v = version[i] ?? 0;
    if (v !== min[i]) return v > min[i]!;
  }
  return true;
}

describe('kafka-python', { skip }, () => {
  let broker: BrokerProcess;
  let r: Result;
  const base = Date.now() - 3_600_000;

  before(async () => {
    broker = await BrokerProcess.start({ overrides: { 'num.partitions': PARTITIONS } });
    r = await runPythonJson<Result>('kafka_python_roundtrip.py', [broker.bootstrap, 'kafka-python-roundtrip', String(COUNT), String(base)], 50_000);
  });
  after(async () => {
    await broker?.dispose();
  });

  it('auto-detects a broker version that allows headers (ApiVersions v0 + Metadata v0 probe)', () => {
    assert.ok(atLeast(r.producer_api_version, [0, 11]), `producer detected ${r.producer_api_version.join('.')}`);
    assert.deepEqual(r.consumer_api_version, r.producer_api_version);
    assert.deepEqual(r.partitions, [0, 1, 2]);
  });

  it('answers the producer futures with partition and offset (acks all and 1), -1 for acks 0', () => {
    assert.equal(r.sent.length, COUNT);
    const seen = new Set<string>();
    for (const s of r.sent) {
      assert.ok(s.partition >= 0 && s.partition < PARTITIONS, `message ${s.i} partition ${s.partition}`);
      assert.equal(s.timestamp, base + s.i * 1000, `message ${s.i} timestamp`);
      if (s.acks === '0') {
        assert.equal(s.offset, -1, `acks=0 message ${s.i} has no offset`);
      } else {
        assert.ok(s.offset >= 0, `message ${s.i} offset ${s.offset}`);
        const where = `${s.partition}:${s.offset}`;
        assert.ok(!seen.has(where), `two messages at ${where}`);
        seen.add(where);
      }
    }
  });

  it('reads every message back with its key, value, headers, timestamp, partition and offset', () => {
    assert.equal(r.consumed.length, COUNT, `consumed ${r.consumed.length} of ${COUNT}`);
    const byIndex = new Map<number, Consumed>();
    for (const c of r.consumed) {
      const i = Number(/^value-(\d+) /.exec(c.value ?? '')?.[1]);
      assert.ok(!byIndex.has(i), `message ${i} read twice`);
      byIndex.set(i, c);
      const e = expected(i);
      assert.equal(c.key, e.key);
      assert.equal(c.value, e.value);
      assert.deepEqual(c.headers, e.headers);
      assert.equal(c.timestamp, base + i * 1000);
      assert.equal(c.timestamp_type, 0, 'CreateTime');
    }
    for (const s of r.sent) {
      const c = byIndex.get(s.i);
      assert.ok(c !== undefined, `message ${s.i} was read`);
      assert.equal(c.partition, s.partition, `message ${s.i} partition`);
      if (s.acks !== '0') assert.equal(c.offset, s.offset, `message ${s.i} offset`);
    }
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = r.consumed.filter((c) => c.partition === p).map((c) => c.offset);
      assert.deepEqual(offsets, offsets.map((_, i) => i), `partition ${p} read in order from 0`);
    }
  });

  it('answers beginning_offsets, end_offsets and the consumer positions', () => {
    for (let p = 0; p < PARTITIONS; p++) {
      const n = r.consumed.filter((c) => c.partition === p).length;
      assert.equal(r.beginning_offsets[String(p)], 0);
      assert.equal(r.end_offsets[String(p)], n, `partition ${p} end offset`);
      assert.equal(r.positions[String(p)], n, `partition ${p} position`);
    }
  });

  it('answers offsets_for_times with the earliest offset at or after each timestamp', () => {
    assert.equal(Object.keys(r.offsets_for_times).length, 5);
    for (const [ts, byPartition] of Object.entries(r.offsets_for_times)) {
      for (let p = 0; p < PARTITIONS; p++) {
        const first = r.consumed.filter((c) => c.partition === p).sort((a, b) => a.offset - b.offset).find((c) => c.timestamp >= Number(ts));
        const want = first === undefined ? null : { offset: first.offset, timestamp: first.timestamp };
        assert.deepEqual(byPartition[String(p)], want, `partition ${p} at ${ts}`);
      }
    }
  });
});

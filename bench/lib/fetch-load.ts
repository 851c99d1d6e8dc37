// Fetch load: filling a topic with a known layout, then reading it all back from offset 0.
//  - fill: every partition gets `batchesPerPartition` copies of one batch (raw Produce, acks=1),
//    so batch j of a partition starts at offset j * recordsPerBatch;
//  - raw: because the layout is known, the Fetch requests for a whole partition can be built up
//    front and pipelined, `inFlight` per connection, one connection per partition;
//  - kcat (librdkafka): `kcat -C -o beginning -e` over every partition, one byte out per record;
//  - kafkajs: a group consumer (kafkajs has no other); needs a broker that serves groups.
import { spawn } from 'node:child_process';
import kafkajs from 'kafkajs';
import { errorName } from '../../src/protocol/errors.js';
import type { PartitionLeader } from './admin.js';
import { readFetchAnswer, readProduceAnswer } from './answers.js';
import { buildBatch, fetchFrame, produceFrame, type Batch } from './batches.js';
import { KafkaConn } from './kafka-conn.js';

export interface Layout {
  topic: string;
  leaders: PartitionLeader[];
  batch: Batch;
  batchesPerPartition: number;
  recordSize: number;
}

const now = (): number => performance.now();

/** Appends the layout's batches to every partition; answers the seconds it took. */
export async function fill(layout: Layout, inFlight = 4): Promise<number> {
  const start = now();
  await Promise.all(layout.leaders.map(async (leader) => {
    const conn = await KafkaConn.connect(leader.host, leader.port);
    const frame = produceFrame(layout.topic, leader.partition, 1, layout.batch.bytes);
    try {
      await new Promise<void>((resolve, reject) => {
        let sent = 0;
        let answered = 0;
        conn.onFailure(reject);
        const onAnswer = (head: Buffer): void => {
          answered++;
          const { errorCode } = readProduceAnswer(head);
          if (errorCode !== 0) return reject(new Error(`fill ${layout.topic}-${leader.partition}: ${errorName(errorCode)}`));
          if (sent < layout.batchesPerPartition) send();
          else if (answered === layout.batchesPerPartition) resolve();
        };
        const send = (): void => {
          sent++;
          conn.send(frame, onAnswer);
        };
        for (let i = 0; i < Math.min(inFlight, layout.batchesPerPartition); i++) send();
      });
    } finally {
      conn.close();
    }
  }));
  return (now() - start) / 1000;
}

export interface ReadOutcome {
  records: number;
  /** Bytes of record batches received. */
  batchBytes: number;
  seconds: number;
  requests: number;
  error: string | null;
  note?: string;
}

/** Reads every partition from offset 0 to its end with pipelined, prebuilt Fetch requests. */
export async function rawFetch(layout: Layout, inFlight: number, batchesPerFetch: number): Promise<ReadOutcome> {
  const conns = await Promise.all(layout.leaders.map((l) => KafkaConn.connect(l.host, l.port)));
  const out: ReadOutcome = { records: 0, batchBytes: 0, seconds: 0, requests: 0, error: null };
  const perFetch = batchesPerFetch * layout.batch.records;
  try {
    const plans = layout.leaders.map((l) => {
      const frames: Buffer[] = [];
      for (let j = 0; j < layout.batchesPerPartition; j += batchesPerFetch) {
        frames.push(fetchFrame({ topic: layout.topic, partition: l.partition, fetchOffset: j * layout.batch.records, partitionMaxBytes: batchesPerFetch * layout.batch.bytes.length }));
      }
      return frames;
    });
    const start = now();
    await Promise.all(conns.map((conn, i) => new Promise<void>((resolve, reject) => {
      const frames = plans[i]!;
      let next = 0;
      let answered = 0;
      conn.onFailure(reject);
      const onAnswer = (head: Buffer): void => {
        answered++;
        const a = readFetchAnswer(head);
        if (a.errorCode !== 0 || a.recordsLength === 0) {
          out.error ??= a.errorCode !== 0 ? errorName(a.errorCode) : `empty answer at request ${answered} of partition ${layout.leaders[i]!.partition}`;
        }
        out.batchBytes += a.recordsLength;
        out.records += Math.round(a.recordsLength / layout.batch.bytes.length) * layout.batch.records;
        if (next < frames.length) send();
        else if (answered === frames.length) resolve();
      };
      const send = (): void => {
        out.requests++;
        conn.send(frames[next++]!, onAnswer);
      };
      for (let k = 0; k < Math.min(inFlight, frames.length); k++) send();
    })));
    out.seconds = (now() - start) / 1000;
    out.note = `${perFetch} records (${batchesPerFetch} batch${batchesPerFetch > 1 ? 'es' : ''}) per Fetch, ${inFlight} in flight per connection`;
    return out;
  } finally {
    for (const c of conns) c.close();
  }
}

/** kcat -C from the beginning of every partition until their ends; prints one byte per record. */
export async function kcatConsume(layout: Layout, bootstrap: string): Promise<ReadOutcome> {
  const expected = layout.leaders.length * layout.batchesPerPartition * layout.batch.records;
  const start = now();
  const { code, bytes, stderr } = await new Promise<{ code: number | null; bytes: number; stderr: string }>((resolve, reject) => {
    const p = spawn('kcat', ['-C', '-b', bootstrap, '-t', layout.topic, '-o', 'beginning', '-e', '-q', '-f', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let n = 0;
    let err = '';
    p.stdout.on('data', (d: Buffer) => { n += d.length; });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.once('error', reject);
    p.once('close', (c) => resolve({ code: c, bytes: n, stderr: err }));
  });
  const seconds = (now() - start) / 1000;
  return {
    records: bytes, batchBytes: NaN, seconds, requests: NaN,
    error: code !== 0 ? `kcat exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' ')}` : bytes !== expected ? `kcat read ${bytes} of ${expected} records` : null,
    note: 'kcat -C -o beginning -e (assign, no group); whole process time, connect included',
  };
}

/** kafkajs group consumer from the beginning until every record has been seen. */
export async function kafkajsConsume(layout: Layout, bootstrap: string): Promise<ReadOutcome> {
  const expected = layout.leaders.length * layout.batchesPerPartition * layout.batch.records;
  const kafka = new kafkajs.Kafka({ clientId: 'samsa-bench-kafkajs', brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `samsa-bench-${layout.topic}`, maxBytesPerPartition: layout.batch.bytes.length, maxBytes: 50 << 20 });
  await consumer.connect();
  let records = 0;
  let batchBytes = 0;
  try {
    await consumer.subscribe({ topic: layout.topic, fromBeginning: true });
    const start = now();
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          records += batch.messages.length;
          for (const m of batch.messages) batchBytes += m.value?.length ?? 0;
          if (records >= expected) resolve();
        },
      }).catch(reject);
    });
    return { records, batchBytes, seconds: (now() - start) / 1000, requests: NaN, error: null, note: 'kafkajs group consumer, eachBatch; group join included' };
  } finally {
    await consumer.disconnect().catch(() => {});
  }
}

export function layoutFor(topic: string, leaders: PartitionLeader[], totalBytes: number, recordSize: number, batchBytes: number): Layout {
  const batch = buildBatch({ recordSize, maxBytes: batchBytes });
  const batchesPerPartition = Math.max(1, Math.ceil(totalBytes / leaders.length / batch.bytes.length));
  return { topic, leaders, batch, batchesPerPartition, recordSize };
}

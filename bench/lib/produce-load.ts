// Produce load generators, one per kind of client:
//  - raw: Produce requests built once with the project's codec and reused, `inFlight` pipelined on
//    each of several connections (the broker's ceiling; the client does almost nothing per byte);
//  - kafkajs: producer.send() loops, the same records per send as one raw batch;
//  - kcat (librdkafka): `kcat -P -l <file>` over a file of fixed-size lines.
// Each answers how many records it got acknowledged in the measured window (acks=0: how many the
// broker had stored when the load finished), so throughput = records * recordSize / seconds.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { errorName } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import type { Admin, PartitionLeader } from './admin.js';
import { readProduceAnswer } from './answers.js';
import { buildBatch, produceFrame } from './batches.js';
import { KafkaConn } from './kafka-conn.js';
import { sleep } from './report.js';

export interface ProduceLoad {
  topic: string;
  leaders: PartitionLeader[];
  acks: number;
  recordSize: number;
  batchBytes: number;
  connections: number;
  /** Requests outstanding per connection (raw) or concurrent send() loops per connection (kafkajs). */
  inFlight: number;
  seconds: number;
  warmupSeconds: number;
}

export interface ProduceOutcome {
  /** Records counted for the throughput figure, over `seconds`. */
  records: number;
  seconds: number;
  /** Records sent in all (warm-up included), to check against what the broker stored. */
  sent: number;
  errors: number;
  firstError: string | null;
  recordsPerBatch: number;
  note?: string;
}

const now = (): number => performance.now();

export async function rawProduce(load: ProduceLoad): Promise<ProduceOutcome> {
  const batch = buildBatch({ recordSize: load.recordSize, maxBytes: load.batchBytes });
  const conns: KafkaConn[] = [];
  const frames: Buffer[] = [];
  for (let i = 0; i < load.connections; i++) {
    const leader = load.leaders[i % load.leaders.length]!;
    conns.push(await KafkaConn.connect(leader.host, leader.port));
    frames.push(produceFrame(load.topic, leader.partition, load.acks, batch.bytes));
  }
  const out: ProduceOutcome = { records: 0, seconds: load.seconds, sent: 0, errors: 0, firstError: null, recordsPerBatch: batch.records };
  try {
    if (load.acks === 0) {
      await pumpWithoutAcks(conns, frames, batch.records, load.warmupSeconds, out);
      const sentBefore = out.sent;
      const elapsed = await pumpWithoutAcks(conns, frames, batch.records, load.seconds, out);
      out.records = out.sent - sentBefore;
      out.seconds = elapsed;
      return out;
    }
    const t0 = now() + load.warmupSeconds * 1000;
    const tEnd = t0 + load.seconds * 1000;
    await Promise.all(conns.map((conn, i) => new Promise<void>((resolve, reject) => {
      let outstanding = 0;
      conn.onFailure(reject);
      const onAnswer = (head: Buffer): void => {
        outstanding--;
        const t = now();
        const answer = readProduceAnswer(head);
        if (answer.errorCode !== 0) {
          out.errors++;
          out.firstError ??= errorName(answer.errorCode);
        } else if (t >= t0 && t <= tEnd) {
          out.records += batch.records;
        }
        if (t <= tEnd) send();
        else if (outstanding === 0) resolve();
      };
      const send = (): void => {
        outstanding++;
        out.sent += batch.records;
        conn.send(frames[i]!, onAnswer);
      };
      for (let k = 0; k < load.inFlight; k++) send();
    })));
    return out;
  } finally {
    for (const c of conns) c.close();
  }
}

/**
 * acks=0: writes as fast as each socket drains for `seconds`, then sends ApiVersions on every
 * connection; its answer comes after the broker has handled every Produce before it. Answers the
 * seconds from the start until the last of those answers.
 */
async function pumpWithoutAcks(conns: KafkaConn[], frames: Buffer[], recordsPerFrame: number, seconds: number, out: ProduceOutcome): Promise<number> {
  const start = now();
  const deadline = start + seconds * 1000;
  await Promise.all(conns.map(async (conn, i) => {
    while (now() < deadline) {
      out.sent += recordsPerFrame;
      if (!conn.send(frames[i]!, null)) await conn.drained();
    }
    await conn.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'samsa-bench', clientSoftwareVersion: '1' });
  }));
  return (now() - start) / 1000;
}

/** Polls the log end offsets until they add up to `expected` more than `before`; answers when (ms). */
export async function waitStored(admin: Admin, load: ProduceLoad, before: number, expected: number, timeoutMs = 60_000): Promise<number> {
  const deadline = now() + timeoutMs;
  for (;;) {
    const stored = (await admin.logEndOffsets(load.topic, load.leaders)).reduce((a, b) => a + b, 0) - before;
    if (stored >= expected || now() > deadline) return now();
    await sleep(20);
  }
}

export async function kafkajsProduce(load: ProduceLoad, bootstrap: string, admin: Admin): Promise<ProduceOutcome> {
  const perSend = buildBatch({ recordSize: load.recordSize, maxBytes: load.batchBytes }).records;
  const kafka = new kafkajs.Kafka({ clientId: 'samsa-bench-kafkajs', brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
  await producer.connect();
  const value = Buffer.alloc(load.recordSize, 0x62);
  const out: ProduceOutcome = { records: 0, seconds: load.seconds, sent: 0, errors: 0, firstError: null, recordsPerBatch: perSend };
  const loops = load.connections * load.inFlight;
  try {
    const before = load.acks === 0 ? (await admin.logEndOffsets(load.topic, load.leaders)).reduce((a, b) => a + b, 0) : 0;
    const start = now();
    const t0 = start + load.warmupSeconds * 1000;
    const tEnd = t0 + load.seconds * 1000;
    await Promise.all(Array.from({ length: loops }, async (_, i) => {
      const partition = load.leaders[i % load.leaders.length]!.partition;
      const messages = Array.from({ length: perSend }, () => ({ value, partition }));
      while (now() <= tEnd) {
        out.sent += perSend;
        try {
          await producer.send({ topic: load.topic, acks: load.acks, messages });
        } catch (err) {
          out.errors++;
          out.firstError ??= String((err as Error).message);
          await sleep(10);
          continue;
        }
        const t = now();
        if (t >= t0 && t <= tEnd) out.records += perSend;
      }
    }));
    if (load.acks === 0) {
      // send() does not wait for anything: count what the broker had stored when it caught up
      const done = await waitStored(admin, load, before, out.sent);
      out.records = out.sent;
      out.seconds = (done - start) / 1000;
      out.note = 'acks=0: all records sent / time until the broker stored them (warm-up included)';
    }
    return out;
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

const inputFiles = new Set<string>();
process.once('exit', () => {
  for (const f of inputFiles) fs.rmSync(f, { force: true });
});

/** A file of `count` lines of `recordSize` bytes (kcat's input), made once per size and count, removed at exit. */
function kcatInput(recordSize: number, count: number): string {
  const file = path.join(os.tmpdir(), `samsa-bench-kcat-${process.pid}-${recordSize}x${count}.txt`);
  if (inputFiles.has(file)) return file;
  inputFiles.add(file);
  const line = Buffer.alloc(recordSize + 1);
  for (let i = 0; i < recordSize; i++) line[i] = 0x61 + ((i * 7) % 26);
  line[recordSize] = 0x0a;
  const perChunk = Math.max(1, Math.floor((4 << 20) / line.length));
  const chunk = Buffer.concat(Array.from({ length: perChunk }, () => line));
  const fd = fs.openSync(file, 'w');
  try {
    for (let left = count; left > 0; left -= perChunk) fs.writeSync(fd, chunk, 0, Math.min(left, perChunk) * line.length);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/**
 * kcat -P over a file of `count` records; the time is the whole process (connect, produce, flush).
 * `extra` are more -X settings.
 */
export async function kcatProduce(load: ProduceLoad, bootstrap: string, count: number, admin: Admin, extra: string[] = []): Promise<ProduceOutcome> {
  const file = kcatInput(load.recordSize, count);
  const before = (await admin.logEndOffsets(load.topic, load.leaders)).reduce((a, b) => a + b, 0);
  const args = ['-P', '-b', bootstrap, '-t', load.topic, '-X', `acks=${load.acks}`, '-X', `batch.size=${Math.min(load.batchBytes, 1_000_000)}`, ...extra.flatMap((x) => ['-X', x]), '-l', file];
  const start = now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const p = spawn('kcat', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.once('error', reject);
    p.once('close', (c) => resolve({ code: c, stderr: err }));
  });
  const failed = code !== 0;
  // acks=0: kcat is done when it has written everything; the broker may still be appending
  const end = load.acks === 0 && !failed ? await waitStored(admin, load, before, count, 10_000) : now();
  return {
    records: failed ? 0 : count, seconds: (end - start) / 1000, sent: count, errors: failed ? 1 : 0,
    firstError: failed ? `kcat exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' ')}` : null,
    recordsPerBatch: NaN,
    note: `kcat -P -l <file of ${count} lines>; whole process time, connect and final flush included (acks=0: until the broker stored the last record)`,
  };
}

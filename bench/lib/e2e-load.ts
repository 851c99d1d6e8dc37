// End-to-end latency load: records produced at a fixed rate (acks=-1) into one partition while a
// consumer long-polls it; a record's latency is the time from the moment its Produce request was
// written to the moment the consumer had it. Producer and consumer clocks are the same clock
// (this process; kcat's output is timed when this process reads it).
//  - raw: one prebuilt batch per tick (1 ms of records) on one connection, pipelined; a raw
//    consumer fetching sequentially; batches are matched by base offset;
//  - kafkajs -> kcat, kcat -> kcat: the send time travels in the record key (ms, 3 decimals) and
//    `kcat -C -u -f '%k\n'` prints it back on arrival.
import { spawn, type ChildProcess } from 'node:child_process';
import kafkajs from 'kafkajs';
import { errorName } from '../../src/protocol/errors.js';
import type { PartitionLeader } from './admin.js';
import { forEachBatch, readFetchAnswer, readProduceAnswer } from './answers.js';
import { buildBatch, fetchFrame, produceFrame } from './batches.js';
import { KafkaConn } from './kafka-conn.js';
import { percentile, sleep } from './report.js';

export interface E2eLoad {
  topic: string;
  leader: PartitionLeader;
  /** Bytes of record values per second. */
  rate: number;
  recordSize: number;
  seconds: number;
  warmupSeconds: number;
  /** When above 0 (raw only): latency percentiles per window of this many seconds of send time. */
  windowSeconds?: number;
  /** Raw only: batches of at most this many bytes (whole records), sent as often as the rate needs, instead of one batch per millisecond. */
  batchBytes?: number;
}

/** The latencies of the records sent in one window of the measured time. */
export interface E2eWindow {
  /** Seconds from the start of the measured time to the window's start. */
  fromS: number;
  samples: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export interface E2eOutcome {
  /** Latency samples in ms (one per batch for raw, one per record for the real clients). */
  latencies: Float64Array;
  /** Produce request to its answer (raw only), ms. */
  ackLatencies: Float64Array | null;
  /** Records produced in the measured window. */
  records: number;
  /** Records produced but never seen by the consumer before the end. */
  missing: number;
  errors: number;
  firstError: string | null;
  /** How far the producer's sends fell behind their schedule at worst (ms). */
  maxScheduleLagMs: number;
  /** Per window of send time, when the load asks for windows. */
  windows?: E2eWindow[];
  note?: string;
}

/** Wall-clock ms with sub-ms precision, the same in every part of this process. */
const clock = (): number => performance.timeOrigin + performance.now();

class Samples {
  private buf = new Float64Array(1 << 16);
  n = 0;
  add(v: number): void {
    if (this.n === this.buf.length) {
      const grown = new Float64Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.n++] = v;
  }
  sorted(): Float64Array {
    return this.buf.slice(0, this.n).sort();
  }
  /** The samples in the order they came. */
  values(): Float64Array {
    return this.buf.subarray(0, this.n);
  }
}

/**
 * Splits (send time, latency) samples into windows of `windowMs` of send time, each with its
 * percentiles; the few sends just past the measured time (the schedule starts a moment after it) go to the last window.
 */
function windowsOf(sentAt: Float64Array, latencies: Float64Array, windowMs: number, seconds: number): E2eWindow[] {
  const buckets: number[][] = [];
  const last = Math.max(0, Math.ceil((seconds * 1000) / windowMs) - 1);
  for (let i = 0; i < sentAt.length; i++) (buckets[Math.min(last, Math.floor(sentAt[i]! / windowMs))] ??= []).push(latencies[i]!);
  return Array.from(buckets, (b, k) => {
    const l = Float64Array.from(b ?? []).sort();
    return { fromS: (k * windowMs) / 1000, samples: l.length, p50: percentile(l, 50), p99: percentile(l, 99), p999: percentile(l, 99.9), max: l.length > 0 ? l[l.length - 1]! : NaN };
  });
}

/** One tick of the schedule: the records due per tick and the tick's length in ms. */
function schedule(load: E2eLoad): { perTick: number; tickMs: number } {
  const perTick = load.batchBytes !== undefined && load.batchBytes > 0
    ? buildBatch({ recordSize: load.recordSize, maxBytes: load.batchBytes }).records
    : Math.max(1, Math.round((load.rate * 0.001) / load.recordSize));
  return { perTick, tickMs: (perTick * load.recordSize * 1000) / load.rate };
}

/** Runs `onTick(dueTicks)` about every millisecond for the load's duration; answers the worst lag. */
async function paced(load: E2eLoad, tickMs: number, onTick: (due: number, scheduledAt: number) => void): Promise<number> {
  const start = clock();
  const end = start + (load.warmupSeconds + load.seconds) * 1000;
  let sent = 0;
  let maxLag = 0;
  for (;;) {
    const t = clock();
    if (t >= end) break;
    const due = Math.floor((t - start) / tickMs) + 1 - sent;
    if (due > 0) {
      const scheduledAt = start + sent * tickMs;
      maxLag = Math.max(maxLag, t - scheduledAt);
      onTick(due, scheduledAt);
      sent += due;
    }
    await sleep(Math.max(0, start + sent * tickMs - clock()));
  }
  return maxLag;
}

export async function rawE2e(load: E2eLoad): Promise<E2eOutcome> {
  const { perTick, tickMs } = schedule(load);
  const batch = buildBatch({ recordSize: load.recordSize, records: perTick });
  const frame = produceFrame(load.topic, load.leader.partition, -1, batch.bytes);
  const producer = await KafkaConn.connect(load.leader.host, load.leader.port);
  const consumer = await KafkaConn.connect(load.leader.host, load.leader.port, 2 << 20);
  const samples = new Samples();
  const windowSentAt = new Samples();
  const windowLatencies = new Samples();
  const windowMs = (load.windowSeconds ?? 0) * 1000;
  const sentAt = new Map<number, number>();
  const seenAt = new Map<number, number>();
  const out: E2eOutcome = { latencies: new Float64Array(0), ackLatencies: null, records: 0, missing: 0, errors: 0, firstError: null, maxScheduleLagMs: 0 };
  const acks = new Samples();
  const measureFrom = clock() + load.warmupSeconds * 1000;
  let batches = 0;
  let answered = 0;
  let matched = 0;
  const record = (sent: number, seen: number): void => {
    matched++;
    if (sent < measureFrom) return;
    samples.add(seen - sent);
    if (windowMs > 0) {
      windowSentAt.add(sent - measureFrom);
      windowLatencies.add(seen - sent);
    }
  };
  // consumer: sequential long polls from offset 0
  let nextOffset = 0;
  let consuming = true;
  const poll = (): void => {
    if (!consuming) return;
    consumer.send(fetchFrame({ topic: load.topic, partition: load.leader.partition, fetchOffset: nextOffset, partitionMaxBytes: 1 << 20, maxWaitMs: 500 }), (answer, size) => {
      const t = clock();
      if (size > answer.length) throw new Error(`fetch answer of ${size} bytes does not fit the consumer's buffer`);
      const a = readFetchAnswer(answer);
      if (a.errorCode !== 0) {
        out.errors++;
        out.firstError ??= `fetch: ${errorName(a.errorCode)}`;
      }
      forEachBatch(answer, a.recordsStart, a.recordsStart + a.recordsLength, (baseOffset, lastOffset) => {
        nextOffset = lastOffset + 1;
        const sent = sentAt.get(baseOffset);
        if (sent === undefined) seenAt.set(baseOffset, t);
        else {
          sentAt.delete(baseOffset);
          record(sent, t);
        }
      });
      poll();
    });
  };
  poll();
  // producer: one request per tick's batch, pipelined; answers come in order
  const pendingSends: number[] = [];
  let pendingHead = 0;
  const onAnswer = (head: Buffer): void => {
    answered++;
    const sent = pendingSends[pendingHead++]!;
    if (sent >= measureFrom) acks.add(clock() - sent);
    const a = readProduceAnswer(head);
    if (a.errorCode !== 0) {
      out.errors++;
      out.firstError ??= `produce: ${errorName(a.errorCode)}`;
      return;
    }
    const seen = seenAt.get(a.baseOffset);
    if (seen === undefined) sentAt.set(a.baseOffset, sent);
    else {
      seenAt.delete(a.baseOffset);
      record(sent, seen);
    }
  };
  try {
    out.maxScheduleLagMs = await paced(load, tickMs, (due) => {
      for (let i = 0; i < due; i++) {
        pendingSends.push(clock());
        batches++;
        producer.send(frame, onAnswer);
      }
    });
    const deadline = clock() + 10_000;
    while ((answered < batches || matched < batches - out.errors) && clock() < deadline) await sleep(5);
    out.missing = (batches - out.errors - matched) * perTick;
    out.records = Math.round(((batches * perTick) * load.seconds) / (load.seconds + load.warmupSeconds));
    out.latencies = samples.sorted();
    out.ackLatencies = acks.sorted();
    if (windowMs > 0) out.windows = windowsOf(windowSentAt.values(), windowLatencies.values(), windowMs, load.seconds);
    out.note = `raw: ${perTick} record${perTick > 1 ? 's' : ''} per batch every ${tickMs.toFixed(3)} ms; one sample per batch`;
    return out;
  } finally {
    consuming = false;
    producer.close();
    consumer.close();
  }
}

/** kcat consuming the partition from the beginning, printing each record's key (a send time). */
function kcatConsumer(load: E2eLoad, bootstrap: string, samples: Samples, measureFrom: () => number, counts: { seen: number }): ChildProcess {
  const p = spawn('kcat', ['-C', '-b', bootstrap, '-t', load.topic, '-p', String(load.leader.partition), '-o', 'beginning', '-u', '-q', '-f', '%k\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let rest = '';
  p.stdout!.setEncoding('latin1');
  p.stdout!.on('data', (text: string) => {
    const t = clock();
    const lines = (rest + text).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const sent = Number(line);
      if (!Number.isFinite(sent)) continue;
      counts.seen++;
      if (sent >= measureFrom()) samples.add(t - sent);
    }
  });
  p.stderr!.on('data', () => {});
  return p;
}

function stop(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
  });
}

/** A real-client producer into a kcat consumer: 'kafkajs' or 'kcat'. */
export async function clientE2e(load: E2eLoad, bootstrap: string, producerKind: 'kafkajs' | 'kcat', kcatProducerProps: string[]): Promise<E2eOutcome> {
  const samples = new Samples();
  const counts = { seen: 0 };
  let measureFrom = Number.POSITIVE_INFINITY;
  const consumer = kcatConsumer(load, bootstrap, samples, () => measureFrom, counts);
  const out: E2eOutcome = { latencies: new Float64Array(0), ackLatencies: null, records: 0, missing: 0, errors: 0, firstError: null, maxScheduleLagMs: 0 };
  const value = Buffer.alloc(load.recordSize, 0x63);
  const line = value.toString('latin1');
  const { perTick, tickMs } = schedule(load);
  const maxPerSend = Math.floor(900_000 / (load.recordSize + 40));
  let produced = 0;
  let kafka: InstanceType<typeof kafkajs.Kafka> | null = null;
  let kjsProducer: ReturnType<InstanceType<typeof kafkajs.Kafka>['producer']> | null = null;
  let kcatProducer: ChildProcess | null = null;
  const inflight = new Set<Promise<unknown>>();
  try {
    if (producerKind === 'kafkajs') {
      kafka = new kafkajs.Kafka({ clientId: 'samsa-bench-kafkajs', brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING });
      kjsProducer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
      await kjsProducer.connect();
    } else {
      kcatProducer = spawn('kcat', ['-P', '-b', bootstrap, '-t', load.topic, '-p', String(load.leader.partition), '-K', '\t', '-X', 'acks=-1', ...kcatProducerProps.flatMap((x) => ['-X', x])], { stdio: ['pipe', 'ignore', 'pipe'] });
      kcatProducer.stderr!.on('data', (d: Buffer) => { out.firstError ??= d.toString().trim(); });
      kcatProducer.stdin!.on('error', (err) => { out.errors++; out.firstError ??= String(err); });
    }
    await sleep(1000); // both clients connected and the consumer assigned before the clock starts
    measureFrom = clock() + load.warmupSeconds * 1000;
    out.maxScheduleLagMs = await paced(load, tickMs, (due) => {
      const n = due * perTick;
      produced += n;
      const sentAt = clock().toFixed(3);
      if (kjsProducer !== null) {
        // a generator that fell behind must still keep each batch under the broker's 1 MiB
        for (let left = n; left > 0; left -= maxPerSend) {
          const messages = Array.from({ length: Math.min(left, maxPerSend) }, () => ({ key: sentAt, value, partition: load.leader.partition }));
          const p = kjsProducer.send({ topic: load.topic, acks: -1, messages }).catch((err: Error) => { out.errors++; out.firstError ??= err.message; });
          inflight.add(p);
          void p.finally(() => inflight.delete(p));
        }
      } else {
        kcatProducer!.stdin!.write(`${sentAt}\t${line}\n`.repeat(n));
      }
    });
    if (kcatProducer !== null) kcatProducer.stdin!.end();
    await Promise.all(inflight);
    const deadline = clock() + 10_000;
    while (counts.seen < produced && clock() < deadline) await sleep(10);
    out.missing = produced - counts.seen;
    out.records = Math.round((produced * load.seconds) / (load.seconds + load.warmupSeconds));
    out.latencies = samples.sorted();
    out.note = `${producerKind} -> kcat: key = send time; one sample per record`;
    return out;
  } finally {
    await kjsProducer?.disconnect().catch(() => {});
    if (kcatProducer !== null) await stop(kcatProducer);
    await stop(consumer);
  }
}

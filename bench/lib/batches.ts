// Record batches (magic v2, uncompressed) for load generation, built with Buffer writes (the test
// helper's number arrays are too slow for 1 MiB batches), and the Produce and Fetch request frames
// that carry them. Records have no key and no headers; values are `recordSize` bytes of varied
// filler (uncompressed, so its content does not matter to the broker).
import { crc32c } from '@node-rs/crc32';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { requestFrame } from './kafka-conn.js';

/** Produce v9: flexible, topics by name; served by Samsa (3-11) and by Kafka 2.4 up to 4.x. */
export const PRODUCE_VERSION = 9;
/** Fetch v12: flexible, topics by name (v13 switches to topic ids); Kafka 2.7 up to 4.x. */
export const FETCH_VERSION = 12;

/** Kafka's (and Samsa's) default message.max.bytes: the largest batch a broker takes. */
export const MAX_BATCH_BYTES = 1048588;
const BATCH_HEADER = 61;

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function varintSize(n: number): number {
  let v = zigzag(n);
  let size = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  let v = zigzag(n);
  while (v >= 0x80) {
    buf[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[pos++] = v;
  return pos;
}

export interface BatchSpec {
  recordSize: number;
  /** How many records; default: as many as fit in maxBytes. */
  records?: number;
  /** Upper bound on the whole batch's size (default MAX_BATCH_BYTES). */
  maxBytes?: number;
  baseTimestamp?: number;
}

export interface Batch {
  bytes: Buffer;
  records: number;
}

/** One batch of `records` records (or as many as fit in maxBytes). */
export function buildBatch(spec: BatchSpec): Batch {
  const maxBytes = spec.maxBytes ?? MAX_BATCH_BYTES;
  const wanted = spec.records ?? Number.MAX_SAFE_INTEGER;
  const value = Buffer.alloc(spec.recordSize);
  for (let i = 0; i < value.length; i++) value[i] = 0x61 + ((i * 7) % 26);
  const buf = Buffer.alloc(maxBytes);
  let pos = BATCH_HEADER;
  let count = 0;
  while (count < wanted) {
    // attributes, timestampDelta 0, offsetDelta, key length -1, value length, value, 0 headers
    const body = 1 + 1 + varintSize(count) + 1 + varintSize(value.length) + value.length + 1;
    const size = varintSize(body) + body;
    if (pos + size > maxBytes) break;
    pos = writeVarint(buf, pos, body);
    buf[pos++] = 0;
    pos = writeVarint(buf, pos, 0);
    pos = writeVarint(buf, pos, count);
    pos = writeVarint(buf, pos, -1);
    pos = writeVarint(buf, pos, value.length);
    value.copy(buf, pos);
    pos += value.length;
    pos = writeVarint(buf, pos, 0);
    count++;
  }
  if (count === 0) throw new Error(`a ${spec.recordSize}-byte record does not fit in a ${maxBytes}-byte batch`);
  const out = buf.subarray(0, pos);
  const ts = spec.baseTimestamp ?? Date.now();
  out.writeBigInt64BE(0n, 0);
  out.writeInt32BE(pos - 12, 8);
  out.writeInt32BE(-1, 12);
  out.writeInt8(2, 16);
  out.writeInt16BE(0, 21);
  out.writeInt32BE(count - 1, 23);
  out.writeBigInt64BE(BigInt(ts), 27);
  out.writeBigInt64BE(BigInt(ts), 35);
  out.writeBigInt64BE(-1n, 43);
  out.writeInt16BE(-1, 51);
  out.writeInt32BE(-1, 53);
  out.writeInt32BE(count, 57);
  out.writeUInt32BE(crc32c(out.subarray(21)), 17);
  return { bytes: Buffer.from(out), records: count };
}

/** A whole Produce request frame (size prefix included) carrying `records` for one partition. */
export function produceFrame(topic: string, partition: number, acks: number, records: Buffer, timeoutMs = 30_000): Buffer {
  return requestFrame(ApiKey.Produce, PRODUCE_VERSION, {
    transactionalId: null,
    acks,
    timeoutMs,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
}

export interface FetchSpec {
  topic: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
}

/** A whole Fetch request frame (sessionless, read uncommitted) for one partition. */
export function fetchFrame(spec: FetchSpec): Buffer {
  return requestFrame(ApiKey.Fetch, FETCH_VERSION, {
    replicaId: -1,
    maxWaitMs: spec.maxWaitMs ?? 500,
    minBytes: spec.minBytes ?? 1,
    maxBytes: spec.maxBytes ?? 52428800,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: spec.topic, partitions: [{ partition: spec.partition, fetchOffset: spec.fetchOffset, partitionMaxBytes: spec.partitionMaxBytes, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
}

// Reading the few fields a load generator needs from the head of a Produce v9 or Fetch v12 answer
// (one topic, one partition), with the project's Reader, without decoding the rest: the records
// of a Fetch answer may not even be in the buffer (see KafkaConn.send).
import { Reader } from '../../src/protocol/primitives/reader.js';

export interface ProduceAnswer { errorCode: number; baseOffset: number }

/** Produce v9 answer: header v1, then the first partition's errorCode and baseOffset. */
export function readProduceAnswer(head: Buffer): ProduceAnswer {
  const r = new Reader(head);
  r.int32(); // correlation id
  r.skipTaggedFields();
  if (r.uvarint() < 2) throw new Error('produce answer without topics');
  r.compactString();
  if (r.uvarint() < 2) throw new Error('produce answer without partitions');
  r.int32(); // partition index
  const errorCode = r.int16();
  const baseOffset = r.int64();
  return { errorCode, baseOffset };
}

export interface FetchAnswer {
  errorCode: number;
  highWatermark: number;
  /** Bytes of record batches in the answer. */
  recordsLength: number;
  /** Where they start in the answer (after the size prefix). */
  recordsStart: number;
}

/** Fetch v12 answer: header v1, then the first partition up to the start of its records. */
export function readFetchAnswer(head: Buffer): FetchAnswer {
  const r = new Reader(head);
  r.int32(); // correlation id
  r.skipTaggedFields();
  r.int32(); // throttle
  const topLevelError = r.int16();
  r.int32(); // session id
  if (r.uvarint() < 2) return { errorCode: topLevelError, highWatermark: -1, recordsLength: 0, recordsStart: r.offset };
  r.compactString();
  if (r.uvarint() < 2) return { errorCode: topLevelError, highWatermark: -1, recordsLength: 0, recordsStart: r.offset };
  r.int32(); // partition index
  const errorCode = r.int16();
  const highWatermark = r.int64();
  r.int64(); // last stable offset
  r.int64(); // log start offset
  const aborted = r.uvarint();
  for (let i = 0; i < aborted - 1; i++) {
    r.int64();
    r.int64();
    r.skipTaggedFields();
  }
  r.int32(); // preferred read replica
  const len = r.uvarint();
  return { errorCode, highWatermark, recordsLength: Math.max(0, len - 1), recordsStart: r.offset };
}

/** Calls `each(baseOffset, lastOffset)` for every whole batch in buf[start, end). */
export function forEachBatch(buf: Buffer, start: number, end: number, each: (baseOffset: number, lastOffset: number) => void): void {
  let pos = start;
  while (pos + 27 <= end) {
    const size = 12 + buf.readInt32BE(pos + 8);
    if (pos + size > end) break;
    const baseOffset = buf.readInt32BE(pos) * 4294967296 + buf.readUInt32BE(pos + 4);
    each(baseOffset, baseOffset + buf.readInt32BE(pos + 23));
    pos += size;
  }
}

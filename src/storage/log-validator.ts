// Kafka's LogValidator, for the batches a producer sends: each batch whole and readable, at most
// max.message.bytes, with the producer fields checkProducedBatch reads; on a compacted topic every
// record keyed (a batch with a keyless record is refused whole, INVALID_RECORD with Kafka's record
// errors); batches in another codec than the topic's compression.type recompressed (the size checked
// again after); with message.timestamp.type=LogAppendTime each batch stamped with the append time.
// It reads and rewrites bytes only: the log (PartitionLog.appendAsLeader) calls it before it checks
// the producer state and appends what passed.
import { ErrorCode } from '../protocol/errors.js';
import { checkProducedBatch, scanBatches, stampLogAppendTime, type BatchInfo } from '../protocol/records/batch.js';
import { recompressBatches } from '../protocol/records/compression.js';
import { keylessRecords } from '../protocol/records/read.js';

/** The topic's settings that an append from a producer is validated against. */
export interface AppendOptions {
  /** max.message.bytes: the largest batch taken, as stored (after recompression). */
  maxMessageBytes: number;
  /** message.timestamp.type=LogAppendTime: each batch gets the broker's append time. */
  logAppendTime: boolean;
  /** compression.type as a codec (records/compression.ts); -1 or absent (producer) keeps the batches' own. */
  compression?: number;
  /** cleanup.policy contains compact: every record needs a key. */
  compacted?: boolean;
}

/** Produce v8+ record_errors: a record's index in its batch, and why it was refused. */
export interface RecordError { batchIndex: number; batchIndexErrorMessage: string | null }

/** Why the batches were refused: the error code, and for INVALID_RECORD the records at fault and Kafka's summary of them. */
export interface Refusal { errorCode: number; recordErrors?: RecordError[]; errorMessage?: string }

/** Batches ready to append: `records` tiled by `batches`, `recordCount` records; logAppendTime -1 unless stamped. */
export interface ValidRecords { records: Buffer; batches: BatchInfo[]; recordCount: number; logAppendTime: number }

/**
 * The produced batches checked, recompressed and stamped as the options ask, or why they are
 * refused. topicPartition: the partition as error messages name it, "<topic>-<partition>".
 */
export function validateRecords(produced: Buffer, options: AppendOptions, topicPartition: string, nowMs: () => number): ValidRecords | Refusal {
  const { maxMessageBytes, compression = -1 } = options;
  let records = produced;
  let scan = scanBatches(records);
  if (scan.code !== ErrorCode.NONE) return { errorCode: scan.code };
  for (const batch of scan.batches) {
    if (batch.size > maxMessageBytes) return { errorCode: ErrorCode.MESSAGE_TOO_LARGE };
    const code = checkProducedBatch(batch);
    if (code !== ErrorCode.NONE) return { errorCode: code };
  }
  if (options.compacted === true) {
    const refused = checkKeys(topicPartition, records, scan.batches);
    if (refused !== null) return refused;
  }
  if (compression >= 0) {
    const recompressed = recompress(records, scan.batches, compression);
    if (recompressed === null) return { errorCode: ErrorCode.CORRUPT_MESSAGE };
    if (recompressed !== records) {
      records = recompressed;
      scan = scanBatches(records);
      if (scan.batches.some((b) => b.size > maxMessageBytes)) return { errorCode: ErrorCode.MESSAGE_TOO_LARGE };
    }
  }
  const logAppendTime = options.logAppendTime ? nowMs() : -1;
  if (options.logAppendTime) for (const batch of scan.batches) stampLogAppendTime(records, batch, logAppendTime);
  return { records, batches: scan.batches, recordCount: scan.records, logAppendTime };
}

/**
 * On a compacted topic every record needs a key. The record errors of the first batch that has
 * keyless records (their indexes in that batch), as Kafka reports them; null when all have keys.
 * Records that cannot be read are CORRUPT_MESSAGE.
 */
function checkKeys(topicPartition: string, records: Buffer, batches: readonly BatchInfo[]): Refusal | null {
  for (const batch of batches) {
    let keyless: number[];
    try {
      keyless = keylessRecords(records, batch.position, batch.size);
    } catch {
      return { errorCode: ErrorCode.CORRUPT_MESSAGE };
    }
    if (keyless.length === 0) continue;
    const message = `Compacted topic cannot accept message without key in topic partition ${topicPartition}.`;
    const recordErrors = keyless.map((batchIndex) => ({ batchIndex, batchIndexErrorMessage: message }));
    const shown = recordErrors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${message}')`).join(', ');
    return {
      errorCode: ErrorCode.INVALID_RECORD, recordErrors,
      errorMessage: `One or more records have been rejected due to ${recordErrors.length} record errors in total, and only showing the first three errors at most: [${shown}]`,
    };
  }
  return null;
}

/** The batches in the topic's codec (the same buffer when they all are), or null when one does not decompress. */
function recompress(records: Buffer, batches: readonly BatchInfo[], codec: number): Buffer | null {
  try {
    return recompressBatches(records, batches, codec) ?? records;
  } catch {
    return null;
  }
}

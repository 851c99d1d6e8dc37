// File names of a partition directory, Kafka's layout: every segment is three files named by its
// base offset padded to 20 digits, e.g. 00000000000000000000.log / .index / .timeindex, plus a
// .txnindex once an aborted transaction ends in it. Producer state snapshots are named by the offset
// they were taken at: 00000000000000001234.snapshot (see producer-snapshot.ts). Files ending
// in one of TEMP_SUFFIXES are leftovers of an interrupted operation and are removed on open. The log
// cleaner (compaction.ts) writes <name>.cleaned, renames it to <name>.swap and then over <name>: a
// .log.swap is a cleaned segment whose swap was committed, which recovery completes, not removes.
import * as path from 'node:path';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TXN_INDEX_SUFFIX = '.txnindex';
export const SNAPSHOT_SUFFIX = '.snapshot';
export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';
export const TEMP_SUFFIXES: readonly string[] = ['.tmp', CLEANED_SUFFIX, '.deleted'];

const OFFSET_DIGITS = 20;
const NAME_RE = /^(\d{20})\.(log|index|timeindex|txnindex)$/;
const LOG_SWAP_RE = /^(\d{20})\.log\.swap$/;
const SNAPSHOT_RE = /^(\d{20})\.snapshot$/;

export function offsetFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(OFFSET_DIGITS, '0') + suffix;
}

export function segmentPath(dir: string, baseOffset: number, suffix: string): string {
  return path.join(dir, offsetFileName(baseOffset, suffix));
}

/** Parses a segment file name; null when it is not one of ours. */
export function parseSegmentFileName(name: string): { baseOffset: number; suffix: string } | null {
  const m = NAME_RE.exec(name);
  if (m === null) return null;
  const baseOffset = Number(m[1]);
  if (!Number.isSafeInteger(baseOffset)) return null;
  return { baseOffset, suffix: '.' + m[2] };
}

/** The offset of a producer state snapshot file; null for any other name. */
export function parseSnapshotFileName(name: string): number | null {
  const m = SNAPSHOT_RE.exec(name);
  if (m === null) return null;
  const offset = Number(m[1]);
  return Number.isSafeInteger(offset) ? offset : null;
}

/** The base offset of a segment's `.log.swap` file (a committed swap); null for any other name. */
export function parseLogSwapFileName(name: string): number | null {
  const m = LOG_SWAP_RE.exec(name);
  if (m === null) return null;
  const baseOffset = Number(m[1]);
  return Number.isSafeInteger(baseOffset) ? baseOffset : null;
}

/** Leftovers to remove on open: TEMP_SUFFIXES, and .swap files other than a segment's .log.swap. */
export function isTempFileName(name: string): boolean {
  for (const suffix of TEMP_SUFFIXES) if (name.endsWith(suffix)) return true;
  return name.endsWith(SWAP_SUFFIX) && parseLogSwapFileName(name) === null;
}

/**
 * A deleted partition's directory is renamed to <dir>.<unique>-delete, as Kafka does, and removed
 * in the background; one left by a crash is removed at the next start-up.
 */
export const DELETED_DIR = /\.[0-9a-f]+-delete$/;

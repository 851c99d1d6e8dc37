// File names of a partition directory, Kafka's layout: every segment is three files named by its
// base offset padded to 20 digits, e.g. 00000000000000000000.log / .index / .timeindex. Files ending
// in one of TEMP_SUFFIXES are leftovers of an interrupted operation and are removed on open.
import * as path from 'node:path';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TEMP_SUFFIXES: readonly string[] = ['.tmp', '.cleaned', '.swap', '.deleted'];

const OFFSET_DIGITS = 20;
const NAME_RE = /^(\d{20})\.(log|index|timeindex)$/;

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

export function isTempFileName(name: string): boolean {
  for (const suffix of TEMP_SUFFIXES) if (name.endsWith(suffix)) return true;
  return false;
}

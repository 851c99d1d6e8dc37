// Checkpoint files, Kafka's text format: a version line (0), a count line, then one entry a line,
// its fields separated by single spaces. A partition directory holds two:
//   leader-epoch-checkpoint     entries "<epoch> <startOffset>", oldest first (leader-epoch.ts)
//   log-start-offset-checkpoint one entry "<logStartOffset>" (Kafka keeps one such file per log dir,
//                               "<topic> <partition> <offset>" a line; here each partition's owning
//                               worker keeps its own, so no two threads ever write one file)
// Written to <name>.tmp, fsynced, renamed over the old one and the directory fsynced, so a file is
// whole or absent; one that does not parse reads as absent.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileDurably } from './segment.js';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
const VERSION = 0;

/** Each entry's numeric fields, or null when the file is absent or malformed. */
export function readCheckpoint(dir: string, name: string, fieldsPerEntry: number): number[][] | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, name), 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length < 2 || Number(lines[0]) !== VERSION) return null;
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count !== lines.length - 2) return null;
  const entries: number[][] = [];
  for (const line of lines.slice(2)) {
    const fields = line.split(' ').map(Number);
    if (fields.length !== fieldsPerEntry || !fields.every(Number.isSafeInteger)) return null;
    entries.push(fields);
  }
  return entries;
}

export function writeCheckpoint(dir: string, name: string, entries: readonly (readonly number[])[]): void {
  const body = [String(VERSION), String(entries.length), ...entries.map((e) => e.join(' '))].join('\n') + '\n';
  writeFileDurably(path.join(dir, name), body);
}

// Checkpoint files, Kafka's text format: a version line (0), a count line, then one entry a line,
// its fields separated by single spaces. A partition directory holds two:
//   leader-epoch-checkpoint     entries "<epoch> <startOffset>", oldest first (leader-epoch.ts)
//   log-start-offset-checkpoint one entry "<logStartOffset>" (Kafka keeps one such file per log dir,
//                               "<topic> <partition> <offset>" a line; here each partition's owning
//                               worker keeps its own, so no two threads ever write one file)
//   recovery-point-checkpoint   one entry (Kafka's recovery-point-offset-checkpoint, per partition
//                               here too): where recovery after a crash starts its scan, see
//                               RecoveryPoint and log.ts
// Written to <name>.tmp, fsynced, renamed over the old one and the directory fsynced, so a file is
// whole or absent; one that does not parse reads as absent.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileDurably } from './durable-file.js';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-checkpoint';

/**
 * The durable prefix of the log: everything before the segment it names, and of that segment the
 * part before the point. Either what a flush of the active segment fdatasynced (the segment's base
 * offset, the log end offset and .log size then, the largest timestamp so far and the offset holding
 * it, how many offset and time index entries were synced with it), or the start of a segment
 * (position 0, no entries): a rolled one whose flush had not completed, or the active one once every
 * closed segment is durable. After a crash only what follows it is scanned.
 */
export interface RecoveryPoint {
  segmentBaseOffset: number; offset: number; position: number;
  maxTimestamp: number; offsetOfMaxTimestamp: number; offsetIndexEntries: number; timeIndexEntries: number;
}

const RECOVERY_POINT_FIELDS = ['segmentBaseOffset', 'offset', 'position', 'maxTimestamp', 'offsetOfMaxTimestamp', 'offsetIndexEntries', 'timeIndexEntries'] as const;

export function readRecoveryPoint(dir: string): RecoveryPoint | null {
  const fields = readCheckpoint(dir, RECOVERY_POINT_CHECKPOINT, RECOVERY_POINT_FIELDS.length)?.[0];
  if (fields === undefined) return null;
  return Object.fromEntries(RECOVERY_POINT_FIELDS.map((name, i) => [name, fields[i]!])) as unknown as RecoveryPoint;
}

export function writeRecoveryPoint(dir: string, point: RecoveryPoint): void {
  writeCheckpoint(dir, RECOVERY_POINT_CHECKPOINT, [RECOVERY_POINT_FIELDS.map((name) => point[name])]);
}

/**
 * writeRecoveryPoint off the calling thread (libuv's thread pool), then `done`: the same file
 * written whole, through <name>.async.tmp, fsynced, renamed over it, the directory fsynced. One at a
 * time per directory (the caller's to keep: PartitionLog queues them).
 */
export function writeRecoveryPointAsync(dir: string, point: RecoveryPoint, done: (err: NodeJS.ErrnoException | null) => void): void {
  const file = path.join(dir, RECOVERY_POINT_CHECKPOINT);
  const tmp = `${file}.async.tmp`;
  const body = checkpointBody([RECOVERY_POINT_FIELDS.map((name) => point[name])]);
  const fail = (err: NodeJS.ErrnoException): void => fs.rm(tmp, { force: true }, () => done(err));
  fs.open(tmp, 'w', 0o644, (err, fd) => {
    if (err !== null) return done(err);
    fs.write(fd, body, (werr) => {
      const synced = (serr: NodeJS.ErrnoException | null): void => fs.close(fd, (cerr) => {
        const first = werr ?? serr ?? cerr;
        if (first !== null) return fail(first);
        fs.rename(tmp, file, (rerr) => {
          if (rerr !== null) return fail(rerr);
          fs.open(dir, 'r', (derr, dfd) => {
            if (derr !== null) return done(derr);
            fs.fsync(dfd, (ferr) => fs.close(dfd, () => done(ferr)));
          });
        });
      });
      if (werr !== null) synced(null);
      else fs.fsync(fd, synced);
    });
  });
}
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

function checkpointBody(entries: readonly (readonly number[])[]): string {
  return [String(VERSION), String(entries.length), ...entries.map((e) => e.join(' '))].join('\n') + '\n';
}

export function writeCheckpoint(dir: string, name: string, entries: readonly (readonly number[])[]): void {
  writeFileDurably(path.join(dir, name), checkpointBody(entries));
}

// The clean shutdown marker, Kafka's CleanShutdownFileHandler: `.kafka_cleanshutdown` in a log
// dir says that every partition log in it was closed cleanly (records and indexes fdatasynced, the
// active segment's last time index entry written, a producer state snapshot at the log end offset).
// It is written after the shard workers closed every log, only in the dirs where every close was
// clean, and taken (removed, the removal made durable) at start-up before any log is opened, so a
// crash at any later point leads to a full recovery at the next start. A log opened after a clean
// shutdown skips the recovery scan of its active segment (see PartitionLog.open).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { syncDir, writeFileDurably } from './durable-file.js';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

/** Removes the marker from each log dir that has one; answers those dirs. */
export function takeCleanShutdownMarkers(logDirs: readonly string[]): Set<string> {
  const clean = new Set<string>();
  for (const dir of logDirs) {
    const file = path.join(dir, CLEAN_SHUTDOWN_FILE);
    if (!fs.existsSync(file)) continue;
    fs.rmSync(file);
    syncDir(dir);
    clean.add(dir);
  }
  return clean;
}

/** Writes the marker into each log dir not in `uncleanDirs`; answers the dirs it could be written to. */
export function writeCleanShutdownMarkers(logDirs: readonly string[], uncleanDirs: ReadonlySet<string>): string[] {
  const written: string[] = [];
  for (const dir of logDirs) {
    if (uncleanDirs.has(path.resolve(dir))) continue;
    try {
      // Kafka's format (version 0); a single broker has no broker epoch.
      writeFileDurably(path.join(dir, CLEAN_SHUTDOWN_FILE), JSON.stringify({ version: 0, brokerEpoch: -1 }));
      written.push(dir);
    } catch {
      // no marker (a full disk, say): the next start recovers this dir in full, nothing worse
    }
  }
  return written;
}

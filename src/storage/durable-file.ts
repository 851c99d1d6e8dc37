// Durable writes of small whole files: a file replaced whole or not at all, and the directory fsync
// that makes a file's creation, rename or removal survive a crash. Checkpoints, producer state
// snapshots, the clean shutdown marker, segment rolls and the cluster's topic registry use them.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** fsyncs a directory, so that files created, renamed or removed in it are durable. */
export function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Replaces `file` whole or not at all: written to <file>.tmp, fsynced, renamed over it, directory fsynced. */
export function writeFileDurably(file: string, body: string): void {
  const tmp = `${file}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeSync(fd, body);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    // A full disk leaves no half-written temp file behind; the old file stays as it was.
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(path.dirname(file));
}

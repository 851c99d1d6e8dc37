// A fixed-width entry file held whole in memory: the shared body of the offset index and the time
// index. The file holds whole entries, no preallocation and no header; the in-memory buffer is the
// index (readers never read the file) and grows by doubling, so appends do not allocate per entry.
// Entries reach the file with positional writes at count * entrySize, PERSIST_BATCH of them at a
// time, as Kafka's memory-mapped indexes reach theirs whenever the OS writes them: the file of the
// active segment may lag its memory by a few entries, which only recovery reads, and recovery
// rebuilds the active segment's entries past its recovery point anyway. sync() (a flush, a roll,
// a close) writes every entry first, so a synced or closed segment's file is whole. Truncation
// shortens memory and file together. The fd is opened lazily (closed segments never write, so
// they hold no index fd once the flush of their roll completed: syncFd() writes every entry first).
import * as fs from 'node:fs';

const INITIAL_CAPACITY_BYTES = 4096;
/** Entries written to the file together (three syscalls per append were a third of a small append's cost). */
const PERSIST_BATCH = 64;

export class IndexFile {
  readonly path: string;
  /** The segment's base offset; entries store offsets relative to it. */
  readonly baseOffset: number;
  readonly entrySize: number;
  /** Entries, big-endian, exactly as in the file; only [0, count * entrySize) is meaningful. */
  protected buf: Buffer;
  protected count = 0;
  /** False when the file was absent or its length was not a whole number of entries. */
  readonly loadedIntact: boolean;
  private fd = -1;
  private persisted = 0;

  constructor(filePath: string, baseOffset: number, entrySize: number) {
    this.path = filePath;
    this.baseOffset = baseOffset;
    this.entrySize = entrySize;
    let bytes: Buffer | null = null;
    try {
      bytes = fs.readFileSync(filePath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.buf = Buffer.alloc(Math.max(INITIAL_CAPACITY_BYTES, bytes?.length ?? 0));
    if (bytes !== null) {
      bytes.copy(this.buf);
      this.count = Math.floor(bytes.length / entrySize);
      this.persisted = this.count;
    }
    this.loadedIntact = bytes !== null && bytes.length % entrySize === 0;
  }

  get entries(): number {
    return this.count;
  }

  /** Byte position in `buf` of a new entry, appended in memory only (persist() writes it). */
  protected reserve(): number {
    const at = this.count * this.entrySize;
    if (at + this.entrySize > this.buf.length) {
      const grown = Buffer.alloc(this.buf.length * 2);
      this.buf.copy(grown, 0, 0, at);
      this.buf = grown;
    }
    this.count++;
    return at;
  }

  /**
   * Creates the file if needed, and writes the entries appended since the last write once there are
   * PERSIST_BATCH of them (all of them: persistAll).
   */
  persist(): void {
    const fd = this.openFd();
    if (this.count - this.persisted >= PERSIST_BATCH) this.write(fd);
  }

  /** Writes every entry appended since the last write. */
  persistAll(): void {
    this.write(this.openFd());
  }

  private write(fd: number): void {
    const from = this.persisted * this.entrySize;
    const to = this.count * this.entrySize;
    let done = from;
    while (done < to) done += fs.writeSync(fd, this.buf, done, to - done, done);
    this.persisted = this.count;
  }

  /** Back to the first `entries` entries, in memory and in the file (after a failed append; 0 when rebuilding). */
  rollbackTo(entries: number): void {
    this.count = Math.min(this.count, entries);
    this.persisted = Math.min(this.persisted, this.count);
    // the entries kept reach the file first: truncating past its end would fill it with zeros
    this.persistAll();
    fs.ftruncateSync(this.openFd(), this.count * this.entrySize);
  }

  /** Every entry written, then fdatasync. */
  sync(): void {
    if (this.fd < 0 && this.persisted === this.count) return;
    this.persistAll();
    fs.fdatasyncSync(this.fd);
  }

  /** The fd a flush off this thread syncs, every entry written to it first; it stays open until closeFd(). */
  syncFd(): number {
    this.persistAll();
    return this.openFd();
  }

  /** Every entry written, then the fd closed. */
  closeFd(): void {
    if (this.fd >= 0) {
      if (this.persisted < this.count) this.persistAll();
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  private openFd(): number {
    if (this.fd < 0) this.fd = fs.openSync(this.path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    return this.fd;
  }
}

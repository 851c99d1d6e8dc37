// Producer ids (InitProducerId), Kafka's ProducerIdManager on a single node: ids are handed out in
// blocks of 1000. Before the first id of a block goes out, the start of the next block is written to
// <first log dir>/samsa-producer-ids.json ({"version":1,"nextBlockStart":N}) through a temp file,
// fsync and rename, so an id is never handed out twice, across restarts and crashes alike (a crash
// skips what was left of its block). Runs on the main thread; the file is written once per block.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileDurably } from '../storage/durable-file.js';

export const PRODUCER_ID_BLOCK_SIZE = 1000;
export const PRODUCER_IDS_FILE = 'samsa-producer-ids.json';

export class ProducerIdManager {
  /** The next id to hand out, and the end of the block it is in (exclusive). */
  private next = 0;
  private blockEnd = 0;

  private constructor(readonly file: string, private nextBlockStart: number) {}

  /** Reads the persisted block start in `logDir` (0 when there is no file yet). */
  static open(logDir: string): ProducerIdManager {
    const file = path.join(logDir, PRODUCER_IDS_FILE);
    let nextBlockStart = 0;
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { nextBlockStart?: unknown };
      if (typeof parsed.nextBlockStart !== 'number' || !Number.isSafeInteger(parsed.nextBlockStart) || parsed.nextBlockStart < 0) {
        throw new Error(`${file}: no valid nextBlockStart`);
      }
      nextBlockStart = parsed.nextBlockStart;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return new ProducerIdManager(file, nextBlockStart);
  }

  /** A producer id never handed out before. Throws when the next block cannot be persisted. */
  generateProducerId(): number {
    if (this.next >= this.blockEnd) this.allocateBlock();
    return this.next++;
  }

  private allocateBlock(): void {
    const start = this.nextBlockStart;
    const end = start + PRODUCER_ID_BLOCK_SIZE;
    writeFileDurably(this.file, JSON.stringify({ version: 1, nextBlockStart: end }) + '\n');
    this.nextBlockStart = end;
    this.next = start;
    this.blockEnd = end;
  }
}

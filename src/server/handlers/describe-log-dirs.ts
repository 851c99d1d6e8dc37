// DescribeLogDirs (35), versions 0-4 (v1 is v0 again): every log dir with the partitions it holds (all topics, or
// those asked for) and each one's size on disk, from its shard; v4 adds the file system's total
// and usable bytes. No partition is ever moving between dirs (offset lag 0, no future replicas).
import { statfsSync } from 'node:fs';
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeLogDirsResponseData } from '../../protocol/messages/index.js';
import { partitionKey } from '../../workers/pool.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { hasPartition } from './partition-tasks.js';

interface Wanted { dir: string; topic: string; partition: number }

export const describeLogDirs = handler('DescribeLogDirs', {
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req): Promise<ResponseOf<'DescribeLogDirs'>> {
    const asked = req.topics;
    const wanted: Wanted[] = [];
    if (asked === null) {
      for (const t of ctx.topics.all()) for (let p = 0; p < t.partitions; p++) wanted.push({ dir: t.logDir, topic: t.name, partition: p });
    } else {
      for (const a of asked) {
        const t = ctx.topics.get(a.topic);
        for (const p of new Set(a.partitions)) if (hasPartition(t, p)) wanted.push({ dir: t.logDir, topic: t.name, partition: p });
      }
    }
    const sizes = await ctx.partitions.scatter(wanted, (w) => ctx.partitions.shardFor(w.topic, w.partition),
      (list) => ({ op: 'sizes', keys: list.map((w) => partitionKey(w.topic, w.partition)) }));
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: ctx.config.logDirs.map((logDir) => {
        const topics = new Map<string, DescribeLogDirsResponseData.DescribeLogDirsTopic>();
        wanted.forEach((w, i) => {
          if (w.dir !== logDir || sizes[i]! < 0) return;
          let t = topics.get(w.topic);
          if (t === undefined) topics.set(w.topic, t = { name: w.topic, partitions: [] });
          t.partitions.push({ partitionIndex: w.partition, partitionSize: sizes[i]!, offsetLag: 0, isFutureKey: false });
        });
        return { errorCode: ErrorCode.NONE, logDir, topics: [...topics.values()], ...space(logDir) };
      }),
    };
  },
});

function space(dir: string): { totalBytes: number; usableBytes: number } {
  try {
    const s = statfsSync(dir);
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
  } catch {
    return { totalBytes: -1, usableBytes: -1 };
  }
}

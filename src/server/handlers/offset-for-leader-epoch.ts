// OffsetForLeaderEpoch (23), versions 0-4: for each partition, the end offset of the leader epoch
// asked for, from the partition's leader epoch cache (src/storage/leader-epoch.ts, kept in its
// leader-epoch-checkpoint): the log end offset for the current epoch, the start of the next epoch
// for an older one, -1/-1 for an unknown or newer one. Consumers ask it to check their position
// after a leader change. A current leader epoch older than the partition's is FENCED_LEADER_EPOCH,
// a newer one UNKNOWN_LEADER_EPOCH (-1, and v0-1 which do not carry it: not checked). v0 answers
// the end offset without its epoch.
import { ErrorCode } from '../../protocol/errors.js';
import type { EpochEndOffsetResult } from '../../workers/messages.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { LEADER_EPOCH } from './common.js';
import { askPartitions, hasPartition } from './partition-tasks.js';

const fail = (errorCode: number): EpochEndOffsetResult => ({ errorCode, leaderEpoch: -1, endOffset: -1 });

export const offsetForLeaderEpoch = handler('OffsetForLeaderEpoch', {
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req): Promise<ResponseOf<'OffsetForLeaderEpoch'>> {
    const { topics } = req;
    const results = await askPartitions(ctx, topics, {
      name: (t) => t.topic,
      partitions: (t) => t.partitions,
      early(topic, p) {
        if (!hasPartition(topic, p.partition)) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch < LEADER_EPOCH) return fail(ErrorCode.FENCED_LEADER_EPOCH);
        if (p.currentLeaderEpoch > LEADER_EPOCH) return fail(ErrorCode.UNKNOWN_LEADER_EPOCH);
        return null;
      },
      index: (p) => p.partition,
      item: (key, p) => ({ key, leaderEpoch: p.leaderEpoch }),
      task: (items) => ({ op: 'epochEndOffsets', items }),
    });
    return {
      throttleTimeMs: 0,
      topics: topics.map((t, ti) => ({
        topic: t.topic,
        partitions: t.partitions.map((p, pi) => ({ partition: p.partition, ...results[ti]![pi]! })),
      })),
    };
  },
});

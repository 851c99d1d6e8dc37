// OffsetDelete (47), version 0: deletes committed offsets of a group, except of topics its live
// members still read (GROUP_SUBSCRIBED_TO_TOPIC); a non-empty group of another protocol type
// cannot have offsets deleted (NON_EMPTY_GROUP).
import { ErrorCode } from '../../protocol/errors.js';
import { ClassicGroup } from '../../groups/classic-group.js';
import type { OffsetKey } from '../../groups/offsets.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { groupRequestError } from './group-common.js';
import { hasPartition } from './partition-tasks.js';

export const offsetDelete = handler('OffsetDelete', {
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req): Promise<ResponseOf<'OffsetDelete'>> {
    const { groups, topics } = ctx;
    const { groupId, topics: requested } = req;
    const codes: number[][] = requested.map((t) => t.partitions.map((): number => ErrorCode.NONE));
    const answer = (errorCode: number): ResponseOf<'OffsetDelete'> => ({
      errorCode, throttleTimeMs: 0,
      topics: errorCode !== ErrorCode.NONE ? [] : requested.map((t, ti) => ({ name: t.name, partitions: t.partitions.map((p, pi) => ({ partitionIndex: p.partitionIndex, errorCode: codes[ti]![pi]! })) })),
    });
    const problem = groupRequestError(ctx, groupId);
    if (problem !== ErrorCode.NONE) return answer(problem);
    const group = groups.groups.get(groupId);
    if (group === undefined) return answer(ErrorCode.GROUP_ID_NOT_FOUND);
    if (group instanceof ClassicGroup && !group.isEmpty() && group.protocolType !== 'consumer') return answer(ErrorCode.NON_EMPTY_GROUP);
    const subscribed = group.isEmpty() ? new Set<string>() : groups.subscribedTopics(group);
    const keys: OffsetKey[] = [];
    const slots: [number, number][] = [];
    requested.forEach((t, ti) => {
      const topic = topics.get(t.name);
      t.partitions.forEach((p, pi) => {
        if (!hasPartition(topic, p.partitionIndex)) codes[ti]![pi] = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (subscribed.has(t.name)) codes[ti]![pi] = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
        else if (groups.offsets.get(groupId, t.name, p.partitionIndex) !== undefined) {
          keys.push({ topic: t.name, partition: p.partitionIndex });
          slots.push([ti, pi]);
        }
      });
    });
    const errorCode = await groups.deleteOffsets(groupId, keys);
    for (const [ti, pi] of slots) codes[ti]![pi] = errorCode;
    return answer(ErrorCode.NONE);
  },
});

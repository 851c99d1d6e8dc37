// DescribeGroups (15), versions 0-5: classic groups with their members; member metadata and
// assignments once a protocol is chosen. An unknown group is described as Dead with no error, as
// Kafka does before v6; a KIP-848 group is GROUP_ID_NOT_FOUND here (ConsumerGroupDescribe shows it).
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeGroupsResponseData } from '../../protocol/messages/index.js';
import { ClassicGroup } from '../../groups/classic-group.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { GROUP_OPERATIONS, OPERATIONS_NOT_REQUESTED } from './common.js';
import { groupRequestError } from './group-common.js';

const EMPTY = Buffer.alloc(0);

export const describeGroups = handler('DescribeGroups', {
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req): ResponseOf<'DescribeGroups'> {
    const withOps = ctx.header.apiVersion >= 3 && req.includeAuthorizedOperations;
    const described = req.groups.map((groupId): DescribeGroupsResponseData.DescribedGroup => {
      const base = { errorCode: ErrorCode.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: withOps ? GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED };
      const problem = groupRequestError(ctx, groupId);
      if (problem !== ErrorCode.NONE) return { ...base, errorCode: problem };
      const group = ctx.groups.groups.get(groupId);
      if (group === undefined) return base;
      if (!(group instanceof ClassicGroup)) return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
      const chosen = group.state === 'Stable' || group.state === 'CompletingRebalance';
      return {
        ...base,
        groupState: group.state,
        protocolType: group.protocolType ?? '',
        protocolData: group.state === 'Stable' ? group.protocolName ?? '' : '',
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
          memberMetadata: chosen ? group.metadataOf(m) : EMPTY,
          memberAssignment: group.state === 'Stable' ? m.assignment : EMPTY,
        })),
      };
    });
    return { throttleTimeMs: 0, groups: described };
  },
});

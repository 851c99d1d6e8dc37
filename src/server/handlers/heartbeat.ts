// Heartbeat (12), versions 0-4: keeps a classic member's session alive and tells it when the
// group is rebalancing (REBALANCE_IN_PROGRESS) or has moved on without it.
import { ErrorCode } from '../../protocol/errors.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { groupRequestError } from './group-common.js';

export const heartbeat = handler('Heartbeat', {
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req): ResponseOf<'Heartbeat'> {
    const problem = groupRequestError(ctx, req.groupId);
    if (problem !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: problem };
    const group = ctx.groups.classicGroup(req.groupId, false);
    if (typeof group === 'number') return { throttleTimeMs: 0, errorCode: group === ErrorCode.GROUP_ID_NOT_FOUND ? ErrorCode.UNKNOWN_MEMBER_ID : group };
    const instanceId = ctx.header.apiVersion >= 3 ? req.groupInstanceId : null;
    return { throttleTimeMs: 0, errorCode: group.heartbeat(req.memberId, instanceId, req.generationId) };
  },
});

// JoinGroup (11), versions 0-9: joins a classic group, or rejoins it, and waits for the rebalance
// to finish (the answer is parked, its request slot given back meanwhile). From v4 a new member
// first gets MEMBER_ID_REQUIRED with its id (KIP-394); v5 adds static membership; v9 lets the
// leader of an unchanged static group skip the assignment.
import { ErrorCode } from '../../protocol/errors.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { clientHost, groupRequestError, own } from './group-common.js';

export const joinGroup = handler('JoinGroup', {
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req): Promise<ResponseOf<'JoinGroup'> | null> {
    const v = ctx.header.apiVersion;
    const { memberId, sessionTimeoutMs } = req;
    const fail = (errorCode: number): ResponseOf<'JoinGroup'> => ({
      throttleTimeMs: 0, errorCode, generationId: -1, protocolType: null, protocolName: v >= 7 ? null : '', leader: '',
      skipAssignment: false, memberId, members: [],
    });
    const { config, groups } = ctx;
    const problem = groupRequestError(ctx, req.groupId);
    if (problem !== ErrorCode.NONE) return fail(problem);
    if (sessionTimeoutMs < config.groupMinSessionTimeoutMs || sessionTimeoutMs > config.groupMaxSessionTimeoutMs) return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    const group = groups.classicGroup(req.groupId, memberId === '');
    if (typeof group === 'number') return fail(group === ErrorCode.GROUP_ID_NOT_FOUND ? ErrorCode.UNKNOWN_MEMBER_ID : group);
    ctx.memory.park();
    const result = await group.join({
      memberId,
      groupInstanceId: v >= 5 ? req.groupInstanceId : null,
      clientId: ctx.header.clientId ?? '',
      clientHost: clientHost(ctx),
      sessionTimeoutMs,
      rebalanceTimeoutMs: v >= 1 ? req.rebalanceTimeoutMs : sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: own(p.metadata) })),
      requireKnownMemberId: v >= 4,
      supportsSkipAssignment: v >= 9,
    });
    if (ctx.conn.closed) return null;
    return { throttleTimeMs: 0, ...result, protocolName: v >= 7 ? result.protocolName : result.protocolName ?? '' };
  },
});

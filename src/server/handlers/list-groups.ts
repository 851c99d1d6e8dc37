// ListGroups (16), versions 0-5: every group this coordinator knows, filtered by state (v4+,
// case-insensitive) and by type (v5+: classic or consumer).
import { ErrorCode } from '../../protocol/errors.js';
import type { ListGroupsResponseData } from '../../protocol/messages/index.js';
import { groupSummary } from '../../groups/coordinator.js';
import { handler, type ResponseOf } from '../dispatcher.js';

export const listGroups = handler('ListGroups', {
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req): ResponseOf<'ListGroups'> {
    const v = ctx.header.apiVersion;
    const { groups } = ctx;
    if (groups.status !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: groups.status, groups: [] };
    const states = new Set((v >= 4 ? req.statesFilter : []).map((s) => s.toLowerCase()));
    const types = new Set((v >= 5 ? req.typesFilter : []).map((s) => s.toLowerCase()));
    const listed: ListGroupsResponseData.ListedGroup[] = [];
    for (const [groupId, group] of groups.groups) {
      const s = groupSummary(group);
      if (states.size > 0 && !states.has(s.groupState.toLowerCase())) continue;
      if (types.size > 0 && !types.has(s.groupType)) continue;
      listed.push({ groupId, ...s });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: listed };
  },
});

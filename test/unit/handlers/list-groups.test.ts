// ListGroups run directly over a stand-in group coordinator: every group with its state and type,
// filtered by state (v4+, any case) and type (v5+), and the coordinator's loading status.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassicGroup, type ClassicGroupHost } from '../../../src/groups/classic-group.js';
import type { Group } from '../../../src/groups/coordinator.js';
import { ConsumerGroup } from '../../../src/groups/consumer-group.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ApiKey } from '../../../src/protocol/messages/index.js';
import type { Groups } from '../../../src/server/context.js';
import type { RequestOf } from '../../../src/server/dispatcher.js';
import { listGroups } from '../../../src/server/handlers/list-groups.js';
import { answered, partial, requestContext, services, call } from '../stand-ins.js';

const request = (statesFilter: string[] = [], typesFilter: string[] = []): RequestOf<'ListGroups'> => ({ statesFilter, typesFilter });

function rooms(status: number = ErrorCode.NONE) {
  const stable = new ClassicGroup('classic-stable', partial<ClassicGroupHost>('host'));
  stable.state = 'Stable';
  stable.protocolType = 'consumer';
  const groups = new Map<string, Group>([
    ['classic-stable', stable],
    ['classic-empty', new ClassicGroup('classic-empty', partial<ClassicGroupHost>('host'))],
    ['kip848', new ConsumerGroup({ groupId: 'kip848' })],
  ]);
  return services({ groups: partial<Groups>('groups', { status, groups }) });
}

const list = async (version: number, req: RequestOf<'ListGroups'>, status?: number) =>
  answered('ListGroups', await call(listGroups, requestContext(rooms(status), ApiKey.ListGroups, version), req));

type Listed = { groupId: string; groupState?: string; groupType?: string; protocolType: string };

describe('ListGroups handler', () => {
  test('every group, with its state, type and protocol type', async () => {
    const res = await list(5, request());
    assert.equal(res.errorCode, ErrorCode.NONE);
    assert.deepEqual(res.groups.map((g: Listed) => [g.groupId, g.groupState, g.groupType, g.protocolType]), [
      ['classic-stable', 'Stable', 'classic', 'consumer'],
      ['classic-empty', 'Empty', 'classic', ''],
      ['kip848', 'Empty', 'consumer', 'consumer'],
    ]);
  });

  test('v4+: filtered by state, in any case', async () => {
    const res = await list(4, request(['EMPTY']));
    assert.deepEqual(res.groups.map((g: Listed) => g.groupId), ['classic-empty', 'kip848']);
  });

  test('v5+: filtered by type; both filters together', async () => {
    assert.deepEqual((await list(5, request([], ['Consumer']))).groups.map((g: Listed) => g.groupId), ['kip848']);
    assert.deepEqual((await list(5, request(['empty'], ['classic']))).groups.map((g: Listed) => g.groupId), ['classic-empty']);
  });

  test('filters of later versions are ignored by earlier ones', async () => {
    assert.equal((await list(3, request(['Stable']))).groups.length, 3);
    assert.equal((await list(4, request([], ['consumer']))).groups.length, 3);
  });

  test('a coordinator still loading answers COORDINATOR_LOAD_IN_PROGRESS and no groups', async () => {
    const res = await list(5, request(), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    assert.deepEqual([res.errorCode, res.groups], [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, []]);
  });
});

// Server-side assignors: every partition once, balance, stickiness (uniform), range order.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ASSIGNORS, DEFAULT_ASSIGNOR, type AssignorMember, type AssignorTopic, type GroupAssignment } from '../../src/groups/assignors.js';

const uniform = ASSIGNORS.get('uniform')!;
const range = ASSIGNORS.get('range')!;

function topicsOf(...specs: [string, number][]): Map<string, AssignorTopic> {
  return new Map(specs.map(([id, partitions]) => [id, { topicId: id, name: `name-${id}`, partitions }]));
}

function member(memberId: string, topics: string[], current: Record<string, number[]> = {}, instanceId: string | null = null): AssignorMember {
  return { memberId, instanceId, rackId: null, subscribedTopicIds: new Set(topics), current: new Map(Object.entries(current)) };
}

const countOf = (a: GroupAssignment, memberId: string): number => [...a.get(memberId)!.values()].reduce((n, p) => n + p.length, 0);
const asObject = (a: GroupAssignment): Record<string, Record<string, number[]>> =>
  Object.fromEntries([...a].map(([m, byTopic]) => [m, Object.fromEntries(byTopic)]));

/** Every partition of a subscribed topic exactly once, to a subscriber; nothing else. */
function assertComplete(a: GroupAssignment, members: AssignorMember[], topics: Map<string, AssignorTopic>): void {
  assert.deepEqual([...a.keys()].sort(), members.map((m) => m.memberId).sort());
  const seen = new Map<string, string>();
  for (const m of members) {
    for (const [topicId, partitions] of a.get(m.memberId)!) {
      assert.ok(m.subscribedTopicIds.has(topicId), `${m.memberId} got ${topicId} without subscribing`);
      assert.deepEqual(partitions, [...partitions].sort((x, y) => x - y));
      for (const p of partitions) {
        assert.ok(p >= 0 && p < topics.get(topicId)!.partitions);
        const key = `${topicId}-${p}`;
        assert.equal(seen.get(key), undefined, `${key} given twice`);
        seen.set(key, m.memberId);
      }
    }
  }
  for (const [topicId, t] of topics) {
    const subscribed = members.some((m) => m.subscribedTopicIds.has(topicId));
    for (let p = 0; p < t.partitions; p++) assert.equal(seen.has(`${topicId}-${p}`), subscribed, `${topicId}-${p}`);
  }
}

/** No partition could move to another subscriber of its topic holding two fewer. */
function assertBalanced(a: GroupAssignment, members: AssignorMember[]): void {
  for (const m of members) {
    for (const topicId of a.get(m.memberId)!.keys()) {
      for (const other of members) {
        if (other.subscribedTopicIds.has(topicId)) assert.ok(countOf(a, m.memberId) - countOf(a, other.memberId) <= 1, `${m.memberId} -> ${other.memberId}`);
      }
    }
  }
}

function random(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
}

test('the default assignor is uniform; both are registered by name', () => {
  assert.equal(DEFAULT_ASSIGNOR, 'uniform');
  assert.deepEqual([...ASSIGNORS.keys()].sort(), ['range', 'uniform']);
  for (const [name, a] of ASSIGNORS) assert.equal(a.name, name);
});

test('uniform: homogeneous subscriptions get floor or ceil of partitions / members', () => {
  const topics = topicsOf(['t1', 7], ['t2', 3]);
  const members = ['m1', 'm2', 'm3'].map((id) => member(id, ['t1', 't2']));
  const a = uniform.assign(members, topics);
  assertComplete(a, members, topics);
  assert.deepEqual(members.map((m) => countOf(a, m.memberId)).sort(), [3, 3, 4]);
});

test('uniform: random homogeneous and heterogeneous groups stay complete and balanced', () => {
  const next = random(42);
  for (let round = 0; round < 200; round++) {
    const topics = topicsOf(...Array.from({ length: 1 + Math.floor(next() * 5) }, (_, i): [string, number] => [`t${i}`, Math.floor(next() * 12)]));
    const ids = [...topics.keys()];
    const homogeneous = round % 2 === 0;
    const members = Array.from({ length: Math.floor(next() * 6) }, (_, i) => {
      const subscribed = homogeneous ? ids : ids.filter(() => next() < 0.6);
      const current: Record<string, number[]> = {};
      for (const t of subscribed) current[t] = Array.from({ length: topics.get(t)!.partitions }, (_, p) => p).filter(() => next() < 0.3);
      return member(`m${i}`, subscribed, current);
    });
    const a = uniform.assign(members, topics);
    assertComplete(a, members, topics);
    assertBalanced(a, members);
    if (homogeneous && members.length > 0) {
      const counts = members.map((m) => countOf(a, m.memberId));
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `round ${round}: ${counts}`);
    }
  }
});

test('uniform: a joining member takes only what balance needs; the others keep the rest', () => {
  const topics = topicsOf(['t', 6]);
  const before = { m1: [0, 1, 2], m2: [3, 4, 5] };
  const members = [member('m1', ['t'], { t: before.m1 }), member('m2', ['t'], { t: before.m2 }), member('m3', ['t'])];
  const a = uniform.assign(members, topics);
  assertComplete(a, members, topics);
  for (const id of ['m1', 'm2', 'm3']) assert.equal(countOf(a, id), 2);
  for (const id of ['m1', 'm2'] as const) {
    for (const p of a.get(id)!.get('t')!) assert.ok(before[id].includes(p), `${id} was given ${p}`);
  }
});

test('uniform: when a member leaves only its partitions move', () => {
  const topics = topicsOf(['a', 4], ['b', 5]);
  const members = [
    member('m1', ['a', 'b'], { a: [0, 1], b: [0] }),
    member('m2', ['a', 'b'], { a: [2], b: [1, 2] }),
  ]; // m3 held a-3, b-3, b-4 and left
  const a = uniform.assign(members, topics);
  assertComplete(a, members, topics);
  assert.deepEqual(members.map((m) => countOf(a, m.memberId)).sort(), [4, 5]);
  for (const m of members) for (const [t, ps] of m.current) for (const p of ps) assert.ok(a.get(m.memberId)!.get(t)!.includes(p));
});

test('uniform: a current assignment that is no longer valid is dropped', () => {
  const topics = topicsOf(['a', 2]);
  // m1 lists a partition that no longer exists, a topic it left and one that is gone; m2 claims a-0 too.
  const members = [member('m1', ['a'], { a: [0, 5], b: [0], gone: [1] }), member('m2', ['a'], { a: [0] })];
  const a = uniform.assign(members, topics);
  assertComplete(a, members, topics);
  assert.deepEqual(asObject(a), { m1: { a: [0] }, m2: { a: [1] } });
});

test('uniform: heterogeneous subscriptions only give a topic to its subscribers', () => {
  const topics = topicsOf(['a', 4], ['b', 4], ['c', 2]);
  const members = [member('m1', ['a']), member('m2', ['a', 'b']), member('m3', ['b', 'c'])];
  const a = uniform.assign(members, topics);
  assertComplete(a, members, topics);
  assertBalanced(a, members);
  assert.deepEqual(members.map((m) => countOf(a, m.memberId)), [3, 3, 4]);
});

test('uniform: no members, topics without subscribers, members without topics', () => {
  const topics = topicsOf(['a', 3], ['b', 2]);
  assert.equal(uniform.assign([], topics).size, 0);
  const members = [member('m1', ['a']), member('m2', []), member('m3', ['missing'])];
  const a = uniform.assign(members, topics);
  assertComplete(a, members, topics);
  assert.deepEqual(asObject(a), { m1: { a: [0, 1, 2] }, m2: {}, m3: {} });
});

test('uniform: the result does not depend on the order members are given in', () => {
  const topics = topicsOf(['a', 5], ['b', 3]);
  const members = [member('m2', ['a', 'b'], { a: [1] }), member('m1', ['a']), member('m3', ['b', 'a'], { b: [2] })];
  assert.deepEqual(asObject(uniform.assign(members, topics)), asObject(uniform.assign([...members].reverse(), topics)));
});

test('range: contiguous ranges per topic, the first members one extra', () => {
  const topics = topicsOf(['a', 5], ['b', 2]);
  const members = [member('m2', ['a', 'b']), member('m1', ['a', 'b'])];
  const a = range.assign(members, topics);
  assertComplete(a, members, topics);
  assert.deepEqual(asObject(a), { m1: { a: [0, 1, 2], b: [0] }, m2: { a: [3, 4], b: [1] } });
});

test('range: static members first, ordered by instance id', () => {
  const topics = topicsOf(['a', 6]);
  const members = [member('m1', ['a']), member('m2', ['a'], {}, 'z'), member('m3', ['a'], {}, 'b')];
  assert.deepEqual(asObject(range.assign(members, topics)), { m1: { a: [4, 5] }, m2: { a: [2, 3] }, m3: { a: [0, 1] } });
});

test('range: heterogeneous subscriptions, no members, more members than partitions', () => {
  const topics = topicsOf(['a', 3], ['b', 1], ['c', 2]);
  const members = [member('m1', ['a']), member('m2', ['a', 'b']), member('m3', ['b']), member('m4', [])];
  const a = range.assign(members, topics);
  assertComplete(a, members, topics);
  assert.deepEqual(asObject(a), { m1: { a: [0, 1] }, m2: { a: [2], b: [0] }, m3: {}, m4: {} });
  assert.equal(range.assign([], topics).size, 0);
});

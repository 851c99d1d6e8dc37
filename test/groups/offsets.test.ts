// OffsetStore: committed offsets by group, topic and partition, and which of them have outlived
// offsets.retention.minutes (from the commit, or from when the group emptied, whichever is later).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OffsetStore } from '../../src/groups/offsets.js';

const at = (offset: number, commitTimestamp: number) => ({ offset, leaderEpoch: -1, metadata: '', commitTimestamp });

test('set, get, delete, and a group without offsets disappears', () => {
  const s = new OffsetStore();
  s.set('g', 't', 0, at(5, 100));
  s.set('g', 't', 1, at(6, 100));
  s.set('g', 'u', 0, at(7, 100));
  assert.equal(s.get('g', 't', 1)?.offset, 6);
  assert.deepEqual(s.keysOf('g'), [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }, { topic: 'u', partition: 0 }]);
  s.delete('g', 't', 0);
  s.delete('g', 't', 1);
  assert.deepEqual([...s.topicsOf('g').keys()], ['u']);
  s.delete('g', 'u', 0);
  assert.equal(s.hasOffsets('g'), false);
  assert.deepEqual([...s.groups()], []);
});

test('expiry counts from the commit, or from when the group emptied if that is later; live topics are kept', () => {
  const s = new OffsetStore();
  const retention = 1000;
  s.set('g', 'old', 0, at(1, 0));
  s.set('g', 'new', 0, at(2, 900));
  s.set('g', 'read', 0, at(3, 0));
  assert.deepEqual(s.expired('g', 1500, retention, null, (t) => t === 'read'), [{ topic: 'old', partition: 0 }]);
  assert.deepEqual(s.expired('g', 1850, retention, null, () => false).map((k) => k.topic).sort(), ['old', 'read']);
  // The group emptied at 800: nothing expires before 1800, then the older commits too.
  assert.deepEqual(s.expired('g', 1700, retention, 800, () => false), []);
  assert.deepEqual(s.expired('g', 1850, retention, 800, () => false).map((k) => k.topic).sort(), ['old', 'read']);
  assert.deepEqual(s.expired('g', 1900, retention, 800, () => false).map((k) => k.topic).sort(), ['new', 'old', 'read']);
});

// The topic registry and the config stores in a temp log dir: legal topic names, changes written
// before they are made (a failed write changes nothing), what a restart reads back, the log dir
// each new topic goes to; the config store's sets kept and forgotten across loads.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileConfigStore } from '../../../src/cluster/config-store.js';
import { checkTopicName, MAX_TOPIC_NAME_LENGTH, TopicRegistry, type TopicInfo } from '../../../src/cluster/topics.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-unit-topics-'));
  dirs.push(d);
  return d;
}

const info = (name: string, partitions: number, logDir: string, more: Partial<TopicInfo> = {}): TopicInfo =>
  ({ name, topicId: `${name.length}`.padStart(32, 'a'), partitions, configs: {}, logDir, internal: false, ...more });

describe('checkTopicName', () => {
  test('legal names pass; empty, dots, too long and illegal characters are refused with the reason', () => {
    for (const ok of ['orders', 'a.b_c-D9', 'x'.repeat(MAX_TOPIC_NAME_LENGTH)]) assert.equal(checkTopicName(ok), null, ok);
    assert.equal(checkTopicName(''), 'Topic name is empty');
    assert.equal(checkTopicName(null), 'Topic name is empty');
    assert.equal(checkTopicName('..'), 'Topic name cannot be ".."');
    assert.equal(checkTopicName('x'.repeat(MAX_TOPIC_NAME_LENGTH + 1)), `Topic name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`);
    assert.match(checkTopicName('a/b') ?? '', /illegal, it contains a character other than/);
    assert.match(checkTopicName('ünïcode') ?? '', /illegal/);
  });
});

describe('TopicRegistry', () => {
  test('added, changed and removed topics are what a new load reads back', () => {
    const dir = tempDir();
    const registry = TopicRegistry.load([dir]);
    assert.equal(registry.size, 0);
    const orders = info('orders', 2, dir);
    registry.add(orders);
    registry.add(info('__consumer_offsets', 1, dir, { internal: true, topicId: 'b'.repeat(32) }));
    registry.update(orders, { partitions: 5, configs: { 'cleanup.policy': 'compact' } });
    assert.equal(orders.partitions, 5, 'the registered object is changed in place');
    registry.remove('__consumer_offsets');
    assert.equal(registry.remove('never-there'), undefined);

    const again = TopicRegistry.load([dir]);
    assert.deepEqual([...again.all()], [{ ...orders }]);
    assert.deepEqual(again.getById(orders.topicId), orders);
    assert.equal(again.getById('b'.repeat(32)), undefined);
    assert.equal(again.partitionDir(orders, 3), path.join(dir, 'orders-3'));
  });

  test('a topic that is not the registered one cannot be updated', () => {
    const dir = tempDir();
    const registry = TopicRegistry.load([dir]);
    registry.add(info('t', 1, dir));
    assert.throws(() => registry.update(info('t', 1, dir), { partitions: 2 }), /not registered/);
  });

  test('a write that fails throws and leaves the registry as it was', () => {
    const dir = tempDir();
    const registry = TopicRegistry.load([dir]);
    const kept = info('kept', 1, dir);
    registry.add(kept);
    fs.rmSync(dir, { recursive: true });
    assert.throws(() => registry.add(info('lost', 1, dir)));
    assert.throws(() => registry.update(kept, { partitions: 3 }));
    assert.throws(() => registry.remove('kept'));
    assert.deepEqual([...registry.all()].map((t) => [t.name, t.partitions]), [['kept', 1]]);
  });

  test('the next topic goes to the log dir holding the fewest partitions', () => {
    const [a, b] = [tempDir(), tempDir()];
    const registry = TopicRegistry.load([a, b]);
    assert.equal(registry.pickLogDir(), a);
    registry.add(info('big', 4, a));
    assert.equal(registry.pickLogDir(), b);
    registry.add(info('small', 1, b, { topicId: 'c'.repeat(32) }));
    assert.equal(registry.pickLogDir(), b);
    assert.ok(fs.existsSync(path.join(a, 'samsa-topics.json')), 'the registry is kept in the first log dir');
    assert.ok(!fs.existsSync(path.join(b, 'samsa-topics.json')));
  });
});

describe('FileConfigStore', () => {
  test('a missing file is no configs; sets are kept across loads; an empty set forgets the resource', () => {
    const dir = tempDir();
    const store = FileConfigStore.load(dir, 'samsa-group-configs.json');
    assert.deepEqual(store.get('g'), {});
    assert.deepEqual([...store.entries()], []);
    store.set('g', { 'consumer.session.timeout.ms': '50000' });
    store.set('h', { 'consumer.heartbeat.interval.ms': '4000' });
    store.set('h', {});
    const again = FileConfigStore.load(dir, 'samsa-group-configs.json');
    assert.deepEqual([...again.entries()], [['g', { 'consumer.session.timeout.ms': '50000' }]]);
    assert.deepEqual(again.get('h'), {});
    assert.deepEqual([...FileConfigStore.load(dir, 'samsa-broker-configs.json').entries()], [], 'one file per kind');
  });

  test('the stored set is a copy of the one given', () => {
    const store = FileConfigStore.load(tempDir(), 'samsa-broker-configs.json');
    const configs: Record<string, string> = { 'log.retention.ms': '1000' };
    store.set('', configs);
    configs['log.retention.ms'] = '2000';
    assert.deepEqual(store.get(''), { 'log.retention.ms': '1000' });
  });

  test('a write that fails throws', () => {
    const dir = tempDir();
    const store = FileConfigStore.load(dir, 'samsa-group-configs.json');
    fs.rmSync(dir, { recursive: true });
    assert.throws(() => store.set('g', { a: 'b' }));
  });
});

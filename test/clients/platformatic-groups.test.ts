// @platformatic/kafka 1.35 consumer groups against a real Samsa broker process: its Consumer's
// consume() with the classic protocol (FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
// OffsetCommit, LeaveGroup) and with KIP-848 (groupProtocol 'consumer': ConsumerGroupHeartbeat,
// the assignment computed by the broker). Two members share the partitions, every message is
// handled once and committed, a member that leaves hands its partitions to the other, and a group
// of one protocol cannot be joined with the other while it has members.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, Producer, ProduceAcks, stringDeserializers, stringSerializers, type Message, type MessagesStream } from '@platformatic/kafka';
import { BrokerProcess } from '../helpers/broker.js';
import { errorTypes, eventually } from '../helpers/clients.js';

const CLIENT_ID = 'samsa-platformatic-groups-test';
const HEARTBEAT_MS = 300;

let broker: BrokerProcess;
let admin: Admin;
let producer: Producer<string, string, string, string>;
const open = new Set<Consumer<string, string, string, string>>();

const clientOptions = (): { clientId: string; bootstrapBrokers: string[]; retries: number; retryDelay: number } => ({
  clientId: CLIENT_ID, bootstrapBrokers: [broker.bootstrap], retries: 3, retryDelay: 100,
});

before(async () => {
  broker = await BrokerProcess.start({
    overrides: {
      'group.initial.rebalance.delay.ms': 0,
      'group.min.session.timeout.ms': 1000,
      'group.consumer.session.timeout.ms': 6000,
      'group.consumer.heartbeat.interval.ms': HEARTBEAT_MS,
    },
  });
  admin = new Admin(clientOptions());
  producer = new Producer({ ...clientOptions(), serializers: stringSerializers, autocreateTopics: false });
});

after(async () => {
  for (const c of open) await forceClose(c).catch(() => {});
  await producer?.close().catch(() => {});
  await admin?.close().catch(() => {});
  await broker?.dispose();
});

/** close(true): closes the consumer's streams, then leaves the group. */
function forceClose(c: Consumer<string, string, string, string>): Promise<void> {
  return c.close(true) as unknown as Promise<void>;
}

type Protocol = 'classic' | 'consumer';

interface Handled { member: string; topic: string; partition: number; offset: number; value: string; owned: boolean }

interface Member {
  name: string;
  consumer: Consumer<string, string, string, string>;
  stream: MessagesStream<string, string, string, string>;
  handled: Handled[];
  commitErrors: unknown[];
}

function newConsumer(groupId: string, protocol: Protocol): Consumer<string, string, string, string> {
  const consumer = protocol === 'consumer'
    ? new Consumer({ ...clientOptions(), groupId, groupProtocol: 'consumer', deserializers: stringDeserializers, maxWaitTime: 300 })
    : new Consumer({ ...clientOptions(), groupId, deserializers: stringDeserializers, maxWaitTime: 300, sessionTimeout: 6000, rebalanceTimeout: 10_000, heartbeatInterval: HEARTBEAT_MS });
  open.add(consumer);
  return consumer;
}

/** Owned partitions as "topic:partition" strings, from the consumer's current assignment. */
function owned(consumer: Consumer<string, string, string, string>): string[] {
  return (consumer.assignments ?? []).flatMap((a) => a.partitions.map((p) => `${a.topic}:${p}`)).sort();
}

/** A consumer that joins the group, reads from the committed offsets (else the earliest) and commits each message it handled. */
async function startMember(name: string, groupId: string, topics: string[], protocol: Protocol): Promise<Member> {
  const consumer = newConsumer(groupId, protocol);
  const stream = await consumer.consume({ topics, mode: 'committed', fallbackMode: 'earliest', autocommit: false });
  const member: Member = { name, consumer, stream, handled: [], commitErrors: [] };
  stream.on('data', (m: Message<string, string, string, string>) => {
    member.handled.push({
      member: name, topic: m.topic, partition: m.partition, offset: Number(m.offset), value: m.value,
      owned: owned(consumer).includes(`${m.topic}:${m.partition}`),
    });
    Promise.resolve(m.commit()).catch((err: unknown) => member.commitErrors.push(err));
  });
  stream.on('error', (err) => member.commitErrors.push(err));
  return member;
}

async function stopMember(m: Member): Promise<void> {
  await forceClose(m.consumer);
  open.delete(m.consumer);
}

/**
 * Waits until the members' current assignments split every partition of the topics between them
 * (each owned by exactly one), every member owns some, and the broker calls the group Stable with
 * that many members. Answers each member's partitions.
 */
async function settled(groupId: string, members: Member[], partitions: string[], protocol: Protocol): Promise<Map<string, string[]>> {
  return eventually(`group ${groupId} to settle on ${members.map((m) => m.name).join(', ')}`, async () => {
    const byMember = new Map(members.map((m) => [m.name, owned(m.consumer)]));
    const all = [...byMember.values()].flat().sort();
    if (JSON.stringify(all) !== JSON.stringify([...partitions].sort())) return undefined;
    if ([...byMember.values()].some((p) => p.length === 0)) return undefined;
    if (protocol === 'classic') {
      const g = (await admin.describeGroups({ groups: [groupId] })).get(groupId);
      if (g === undefined || g.state !== 'STABLE' || g.members.size !== members.length) return undefined;
    } else {
      const g = (await admin.listGroups({ types: ['consumer'] })).get(groupId);
      if (g === undefined || g.state !== 'STABLE') return undefined;
    }
    return byMember;
  }, 30_000, 100);
}

function partitionsOf(topics: Record<string, number>): string[] {
  return Object.entries(topics).flatMap(([t, n]) => Array.from({ length: n }, (_, p) => `${t}:${p}`));
}

async function createTopics(topics: Record<string, number>): Promise<void> {
  for (const [topic, partitions] of Object.entries(topics)) await admin.createTopics({ topics: [topic], partitions });
}

/** Sends `perPartition` values to every partition of the topics; answers them. */
async function produce(topics: Record<string, number>, prefix: string, perPartition: number): Promise<string[]> {
  const messages = Object.entries(topics).flatMap(([topic, n]) => Array.from({ length: n * perPartition }, (_, i) => ({
    topic, partition: i % n, value: `${prefix}-${topic}-${i}`,
  })));
  await producer.send({ acks: ProduceAcks.ALL, messages });
  return messages.map((m) => m.value);
}

/** Waits until every value was handled, then checks each was handled once, by a member that owned its partition. */
async function handledOnce(what: string, values: string[], members: Member[]): Promise<Handled[]> {
  const wanted = new Set(values);
  const ours = (): Handled[] => members.flatMap((m) => m.handled).filter((h) => wanted.has(h.value));
  await eventually(`${what}: ${values.length} messages handled`, async () => (new Set(ours().map((h) => h.value)).size === wanted.size ? true : undefined), 30_000);
  const counts = new Map<string, number>();
  for (const h of ours()) counts.set(h.value, (counts.get(h.value) ?? 0) + 1);
  assert.deepEqual([...counts].filter(([, n]) => n > 1), [], `${what}: handled more than once`);
  assert.deepEqual(ours().filter((h) => !h.owned), [], `${what}: handled by a member not assigned the partition`);
  for (const m of members) assert.deepEqual(m.commitErrors, [], `${what}: ${m.name}'s commits`);
  return ours();
}

/** Waits until the group's committed offsets are the end of every partition of the topics. */
async function committedToEnd(groupId: string, topics: Record<string, number>, perPartition: number): Promise<void> {
  const want = partitionsOf(topics).map((tp) => `${tp}@${perPartition}`).sort();
  await eventually(`group ${groupId} to commit every message`, async () => {
    const [g] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
    const have = (g?.topics ?? []).filter((t) => t.name in topics)
      .flatMap((t) => t.partitions.map((p) => `${t.name}:${p.partitionIndex}@${p.committedOffset}`)).sort();
    return JSON.stringify(have) === JSON.stringify(want) ? true : undefined;
  }, 20_000, 200);
}

describe('@platformatic/kafka classic consumer group', () => {
  test('two consumers share four partitions: each message handled once and committed; DescribeGroups shows both', async () => {
    const topics = { 'plg-classic': 4 };
    const groupId = 'plg-classic-group';
    await createTopics(topics);
    const a = await startMember('a', groupId, Object.keys(topics), 'classic');
    const b = await startMember('b', groupId, Object.keys(topics), 'classic');
    const split = await settled(groupId, [a, b], partitionsOf(topics), 'classic');
    assert.deepEqual([split.get('a')!.length, split.get('b')!.length], [2, 2]);

    const described = (await admin.describeGroups({ groups: [groupId] })).get(groupId)!;
    assert.equal(described.protocolType, 'consumer');
    assert.deepEqual([...described.members.keys()].sort(), [a.consumer.memberId, b.consumer.memberId].sort());
    for (const m of described.members.values()) {
      assert.equal(m.clientId, CLIENT_ID);
      assert.deepEqual(m.metadata?.topics, Object.keys(topics));
    }
    const listed = (await admin.listGroups()).get(groupId);
    assert.deepEqual([listed?.groupType, listed?.protocolType, listed?.state], ['classic', 'consumer', 'STABLE']);

    const values = await produce(topics, 'classic', 15);
    const handled = await handledOnce('classic group', values, [a, b]);
    for (const [name, parts] of split) {
      assert.deepEqual([...new Set(handled.filter((h) => h.member === name).map((h) => `${h.topic}:${h.partition}`))].sort(), parts, `${name} read its partitions`);
    }
    await committedToEnd(groupId, topics, 15);

    // a member leaves (LeaveGroup): the other takes all four partitions and reads on from the commits
    await stopMember(b);
    const alone = await settled(groupId, [a], partitionsOf(topics), 'classic');
    assert.equal(alone.get('a')!.length, 4);
    const more = await produce(topics, 'after-leave', 5);
    await handledOnce('after the leave', more, [a]);
    assert.equal(a.handled.length, handled.filter((h) => h.member === 'a').length + more.length, 'nothing handled twice after the rebalance');
    await committedToEnd(groupId, topics, 20);
    await stopMember(a);
    const empty = (await admin.describeGroups({ groups: [groupId] })).get(groupId)!;
    assert.equal(empty.state, 'EMPTY');
  });
});

describe('@platformatic/kafka KIP-848 consumer group', () => {
  test('two consumers (groupProtocol consumer) split two topics, handle each message once and commit', async () => {
    const topics = { 'plg-848-a': 3, 'plg-848-b': 3 };
    const groupId = 'plg-848-group';
    await createTopics(topics);
    const a = await startMember('a', groupId, Object.keys(topics), 'consumer');
    const b = await startMember('b', groupId, Object.keys(topics), 'consumer');
    const split = await settled(groupId, [a, b], partitionsOf(topics), 'consumer');
    assert.deepEqual([split.get('a')!.length, split.get('b')!.length], [3, 3], JSON.stringify([...split]));
    const listed = (await admin.listGroups({ types: ['consumer'] })).get(groupId);
    assert.deepEqual([listed?.groupType, listed?.protocolType], ['consumer', 'consumer']);

    const values = await produce(topics, 'kip848', 10);
    const handled = await handledOnce('KIP-848 group', values, [a, b]);
    assert.ok(handled.some((h) => h.member === 'a') && handled.some((h) => h.member === 'b'), 'both members handled messages');
    await committedToEnd(groupId, topics, 10);

    // a member leaves (heartbeat with epoch -1): the other gets its partitions and reads on from the commits
    await stopMember(b);
    const alone = await settled(groupId, [a], partitionsOf(topics), 'consumer');
    assert.equal(alone.get('a')!.length, 6);
    const more = await produce(topics, 'after-leave', 4);
    await handledOnce('KIP-848 after the leave', more, [a]);
    assert.equal(a.handled.length, handled.filter((h) => h.member === 'a').length + more.length, 'nothing handled twice after the leave');
    await committedToEnd(groupId, topics, 14);
    await stopMember(a);
    const afterAll = (await admin.listGroups({ types: ['consumer'] })).get(groupId);
    assert.equal(afterAll?.state, 'EMPTY');
  });

  test('a member that joins later gets partitions from the one already there', async () => {
    const topics = { 'plg-848-join': 4 };
    const groupId = 'plg-848-join-group';
    await createTopics(topics);
    const a = await startMember('a', groupId, Object.keys(topics), 'consumer');
    await settled(groupId, [a], partitionsOf(topics), 'consumer');
    const before = await produce(topics, 'before', 5);
    await handledOnce('one member', before, [a]);
    await committedToEnd(groupId, topics, 5);

    const b = await startMember('b', groupId, Object.keys(topics), 'consumer');
    const split = await settled(groupId, [a, b], partitionsOf(topics), 'consumer');
    assert.deepEqual([split.get('a')!.length, split.get('b')!.length], [2, 2], JSON.stringify([...split]));
    const afterJoin = await produce(topics, 'after', 5);
    await handledOnce('after the join', afterJoin, [a, b]);
    assert.deepEqual(b.handled.filter((h) => before.includes(h.value)), [], 'committed messages are not handled again');
    assert.ok(b.handled.length > 0, 'the newcomer handles messages');
    await stopMember(a);
    await stopMember(b);
  });
});

describe('classic and KIP-848 consumers in one group id', () => {
  test('a KIP-848 consumer cannot join a classic group with members, nor a classic consumer a KIP-848 group', async () => {
    const topics = { 'plg-mixed': 2 };
    await createTopics(topics);

    const classicGroup = 'plg-mixed-classic';
    const classic = await startMember('classic', classicGroup, Object.keys(topics), 'classic');
    await settled(classicGroup, [classic], partitionsOf(topics), 'classic');
    const intruder = newConsumer(classicGroup, 'consumer');
    await assert.rejects(intruder.consume({ topics: Object.keys(topics) }), (err: unknown) => {
      const types = errorTypes(err);
      assert.ok(types.includes('GROUP_ID_NOT_FOUND'), `expected GROUP_ID_NOT_FOUND in ${types.join(', ')}`);
      return true;
    });
    await forceClose(intruder);
    open.delete(intruder);
    // the classic group is untouched
    const values = await produce(topics, 'mixed-classic', 3);
    await handledOnce('the classic group after the intruder', values, [classic]);
    const g = (await admin.describeGroups({ groups: [classicGroup] })).get(classicGroup)!;
    assert.deepEqual([g.state, g.members.size], ['STABLE', 1]);

    const kip848Group = 'plg-mixed-848';
    const modern = await startMember('modern', kip848Group, Object.keys(topics), 'consumer');
    await settled(kip848Group, [modern], partitionsOf(topics), 'consumer');
    const oldStyle = newConsumer(kip848Group, 'classic');
    await assert.rejects(oldStyle.consume({ topics: Object.keys(topics) }), (err: unknown) => {
      const types = errorTypes(err);
      assert.ok(types.includes('INCONSISTENT_GROUP_PROTOCOL'), `expected INCONSISTENT_GROUP_PROTOCOL in ${types.join(', ')}`);
      return true;
    });
    await forceClose(oldStyle);
    open.delete(oldStyle);
    assert.equal((await admin.listGroups({ types: ['consumer'] })).get(kip848Group)?.state, 'STABLE');

    await stopMember(classic);
    await stopMember(modern);
  });
});

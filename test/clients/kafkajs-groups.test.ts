// kafkajs 2.2.4 consumer groups against a real Samsa broker process (the classic protocol):
// a group of three sharing six partitions (each message handled once, each partition one owner,
// DescribeGroups Stable), rebalances when a member leaves and when one joins, a member killed
// without LeaveGroup (a consumer in a child process, SIGKILLed) whose partitions go to the
// survivors after its session timeout, committed offsets across a broker restart, the Fetch long
// poll as a caught-up consumer sees it (woken by the append, no busy loop), and the admin group
// calls (listGroups, describeGroups, fetchOffsets, setOffsets, resetOffsets, deleteGroups).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, ConsumerConfig, Producer } from 'kafkajs';
import { BrokerProcess } from '../helpers/broker.js';
import { connectKafkajs, disconnectAll, type KafkaClient } from '../helpers/kafkajs.js';
import { eventually } from '../helpers/clients.js';

const { AssignerProtocol } = kafkajs;

const PARTITIONS = 6;

let broker: BrokerProcess;
let kafka: KafkaClient;
let admin: Admin;
let producer: Producer;
const consumers = new Set<Consumer>();
const children = new Set<ChildProcess>();

async function connectClients(): Promise<void> {
  ({ kafka, admin, producer } = await connectKafkajs(broker.bootstrap, 'samsa-kafkajs-groups-test'));
}

before(async () => {
  broker = await BrokerProcess.start({
    overrides: { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 },
  });
  await connectClients();
});

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await disconnectAll(...consumers, producer, admin);
  await broker?.dispose();
});

// --- a group member and what it saw ---

interface Handled { member: string; partition: number; offset: number; value: string; owned: boolean }

interface Member {
  name: string;
  consumer: Consumer;
  /** The partitions of the latest GROUP_JOIN (null before the first). */
  assignment: number[] | null;
  memberId: string;
  joins: number;
  handled: Handled[];
}

/** Short timeouts so that rebalances take a second or two rather than the defaults' tens. */
const GROUP_TIMINGS: Partial<ConsumerConfig> = { sessionTimeout: 6000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 300 };

async function startMember(name: string, groupId: string, topic: string): Promise<Member> {
  const consumer = kafka.consumer({ groupId, ...GROUP_TIMINGS });
  consumers.add(consumer);
  const member: Member = { name, consumer, assignment: null, memberId: '', joins: 0, handled: [] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    member.memberId = e.payload.memberId;
    member.assignment = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    member.joins++;
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      member.handled.push({
        member: name, partition, offset: Number(message.offset), value: message.value!.toString(),
        owned: member.assignment?.includes(partition) ?? false,
      });
    },
  });
  return member;
}

async function stopMember(m: Member): Promise<void> {
  await m.consumer.disconnect();
  consumers.delete(m.consumer);
}

/**
 * Waits until the group is Stable with exactly these members, each of them has joined more than
 * `after[name]` times, and their latest assignments split the partitions between them: every
 * partition owned by exactly one member. Answers the assignments by member name.
 */
async function settled(groupId: string, members: Member[], after: Record<string, number> = {}): Promise<Map<string, number[]>> {
  return eventually(`group ${groupId} to settle on ${members.map((m) => m.name).join(', ')}`, async () => {
    if (members.some((m) => m.assignment === null || m.joins <= (after[m.name] ?? 0))) return undefined;
    const owners = new Map<number, string[]>();
    for (const m of members) for (const p of m.assignment!) owners.set(p, [...(owners.get(p) ?? []), m.name]);
    if (owners.size !== PARTITIONS || [...owners.values()].some((o) => o.length !== 1)) return undefined;
    const { groups: [g] } = await admin.describeGroups([groupId]);
    if (g === undefined || g.state !== 'Stable' || g.members.length !== members.length) return undefined;
    return new Map(members.map((m) => [m.name, m.assignment!]));
  }, 30_000, 100);
}

async function createTopic(topic: string, numPartitions = PARTITIONS): Promise<void> {
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions }] }), true);
}

/** Sends `count` values `${prefix}-${i}` spread over every partition; answers them. */
async function produce(topic: string, prefix: string, count: number): Promise<string[]> {
  const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ partition: i % PARTITIONS, value })) });
  return values;
}

/** Waits until every value was handled, then checks each was handled once, by an owner of its partition. */
async function handledOnce(what: string, values: string[], handlers: () => Handled[]): Promise<Handled[]> {
  const wanted = new Set(values);
  await eventually(`${what}: ${values.length} messages handled`, async () => {
    const seen = new Set(handlers().filter((h) => wanted.has(h.value)).map((h) => h.value));
    return seen.size === wanted.size ? true : undefined;
  }, 30_000);
  const ours = handlers().filter((h) => wanted.has(h.value));
  const counts = new Map<string, number>();
  for (const h of ours) counts.set(h.value, (counts.get(h.value) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], `${what}: handled more than once`);
  const foreign = ours.filter((h) => !h.owned);
  assert.deepEqual(foreign, [], `${what}: handled by a member not assigned the partition`);
  return ours;
}

/** Waits until the group's committed offsets reach the end of every partition of the topic. */
async function committedToEnd(groupId: string, topic: string): Promise<Map<number, string>> {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
  return eventually(`group ${groupId} to commit up to the end of ${topic}`, async () => {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = new Map(t!.partitions.map((p) => [p.partition, p.offset]));
    for (const [p, end] of ends) if (committed.get(p) !== end) return undefined;
    return committed;
  }, 20_000, 200);
}

function allHandled(members: Member[]): Handled[] {
  return members.flatMap((m) => m.handled);
}

describe('kafkajs consumer group', () => {
  test('three consumers share six partitions: each message handled once, one owner per partition, Stable with three members', async () => {
    const topic = 'kjg-three';
    const groupId = 'kjg-three-group';
    await createTopic(topic);
    const members = [await startMember('a', groupId, topic), await startMember('b', groupId, topic), await startMember('c', groupId, topic)];
    const assignment = await settled(groupId, members);
    for (const [name, partitions] of assignment) assert.equal(partitions.length, 2, `${name} owns ${partitions.join(',')}`);

    const { groups: [described] } = await admin.describeGroups([groupId]);
    assert.equal(described!.state, 'Stable');
    assert.equal(described!.protocolType, 'consumer');
    assert.equal(described!.members.length, 3);
    assert.equal(described!.protocol, 'RoundRobinAssigner');
    assert.deepEqual(described!.members.map((m) => m.memberId).sort(), members.map((m) => m.memberId).sort());
    for (const d of described!.members) {
      assert.equal(d.clientId, 'samsa-kafkajs-groups-test');
      // what the leader assigned, as the broker keeps it for DescribeGroups, is what the member got
      const m = members.find((x) => x.memberId === d.memberId)!;
      const assigned = AssignerProtocol.MemberAssignment.decode(d.memberAssignment)!.assignment[topic];
      assert.deepEqual([...assigned!].sort((x, y) => x - y), m.assignment, `${m.name}'s assignment in DescribeGroups`);
      assert.deepEqual(AssignerProtocol.MemberMetadata.decode(d.memberMetadata)!.topics, [topic]);
    }

    const values = await produce(topic, 'three', 120);
    const handled = await handledOnce('three members', values, () => allHandled(members));
    // every member did its share: exactly the messages of the partitions it owns
    for (const m of members) {
      const parts = new Set(handled.filter((h) => h.member === m.name).map((h) => h.partition));
      assert.deepEqual([...parts].sort((a, b) => a - b), assignment.get(m.name), `${m.name} handled the partitions it owns`);
    }
    // and within a partition in offset order
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = handled.filter((h) => h.partition === p).map((h) => h.offset);
      assert.deepEqual(offsets, Array.from({ length: 20 }, (_, i) => i), `partition ${p}`);
    }
    await committedToEnd(groupId, topic);
    for (const m of members) await stopMember(m);
  });

  test('a member leaves: the other two take all six partitions and go on consuming', async () => {
    const topic = 'kjg-leave';
    const groupId = 'kjg-leave-group';
    await createTopic(topic);
    const members = [await startMember('a', groupId, topic), await startMember('b', groupId, topic), await startMember('c', groupId, topic)];
    await settled(groupId, members);
    const before = await produce(topic, 'before', 60);
    await handledOnce('before the leave', before, () => allHandled(members));
    await committedToEnd(groupId, topic);

    const [a, b, c] = members as [Member, Member, Member];
    const joins = { a: a.joins, b: b.joins };
    await stopMember(c); // LeaveGroup
    const assignment = await settled(groupId, [a, b], joins);
    assert.equal(assignment.get('a')!.length + assignment.get('b')!.length, PARTITIONS);
    assert.ok(assignment.get('a')!.length === 3 && assignment.get('b')!.length === 3, JSON.stringify([...assignment]));
    await broker.waitForLine(new RegExp(`"group":"${groupId}".*"reason":"left the group","msg":"group member removed"`), 5000);

    const afterLeave = await produce(topic, 'after', 60);
    const handled = await handledOnce('after the leave', afterLeave, () => allHandled([a, b]));
    assert.equal(c.handled.filter((h) => afterLeave.includes(h.value)).length, 0, 'the member that left handled nothing more');
    assert.deepEqual(new Set(handled.map((h) => h.partition)).size, PARTITIONS);
    await stopMember(a);
    await stopMember(b);
  });

  test('a member joins: it gets partitions, and the three split the new messages', async () => {
    const topic = 'kjg-join';
    const groupId = 'kjg-join-group';
    await createTopic(topic);
    const a = await startMember('a', groupId, topic);
    const b = await startMember('b', groupId, topic);
    const two = await settled(groupId, [a, b]);
    assert.deepEqual([two.get('a')!.length, two.get('b')!.length], [3, 3]);
    const before = await produce(topic, 'before', 60);
    await handledOnce('two members', before, () => allHandled([a, b]));
    await committedToEnd(groupId, topic);

    const joins = { a: a.joins, b: b.joins };
    const c = await startMember('c', groupId, topic);
    const three = await settled(groupId, [a, b, c], joins);
    assert.equal(three.get('c')!.length, 2, `the newcomer owns ${three.get('c')!.join(',')}`);

    const afterJoin = await produce(topic, 'after', 60);
    const handled = await handledOnce('after the join', afterJoin, () => allHandled([a, b, c]));
    assert.ok(handled.some((h) => h.member === 'c'), 'the newcomer handles messages');
    assert.equal(c.handled.filter((h) => before.includes(h.value)).length, 0, 'committed messages are not handled again');
    for (const m of [a, b, c]) await stopMember(m);
  });

  test('a member killed without LeaveGroup: after its session timeout its partitions go to the survivors', async () => {
    const topic = 'kjg-killed';
    const groupId = 'kjg-killed-group';
    await createTopic(topic);
    const a = await startMember('a', groupId, topic);
    const b = await startMember('b', groupId, topic);
    await settled(groupId, [a, b]);

    // the doomed member: a kafkajs consumer in another process, reporting its joins and messages
    const SESSION_MS = 3000;
    const child = spawn(process.execPath, ['-e', CHILD_CONSUMER], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KAFKAJS: createRequire(import.meta.url).resolve('kafkajs'), BOOTSTRAP: broker.bootstrap, GROUP: groupId, TOPIC: topic, SESSION_MS: String(SESSION_MS) },
    });
    children.add(child);
    const doomed: Member = { name: 'doomed', consumer: null as unknown as Consumer, assignment: null, memberId: '', joins: 0, handled: [] };
    let childOut = '';
    let childErr = '';
    child.stderr!.on('data', (d: Buffer) => { childErr += d.toString(); });
    child.stdout!.on('data', (d: Buffer) => {
      childOut += d.toString();
      const lines = childOut.split('\n');
      childOut = lines.pop()!;
      for (const line of lines) {
        const event = JSON.parse(line) as { join?: number[]; partition?: number; offset?: string; value?: string };
        if (event.join !== undefined) {
          doomed.assignment = [...event.join].sort((x, y) => x - y);
          doomed.joins++;
        } else {
          doomed.handled.push({ member: 'doomed', partition: event.partition!, offset: Number(event.offset), value: event.value!, owned: doomed.assignment?.includes(event.partition!) ?? false });
        }
      }
    });
    const joins = { a: a.joins, b: b.joins };
    const three = await settled(groupId, [a, b, doomed], joins).catch((err: Error) => { throw new Error(`${err.message}\nchild stderr: ${childErr}`); });
    assert.equal(three.get('doomed')!.length, 2);

    const before = await produce(topic, 'before', 60);
    await handledOnce('three members, one in a child process', before, () => allHandled([a, b, doomed]));
    assert.ok(doomed.handled.length > 0, 'the child consumer handled its partitions');
    await committedToEnd(groupId, topic);

    const survivorsJoins = { a: a.joins, b: b.joins };
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    children.delete(child);
    const two = await settled(groupId, [a, b], survivorsJoins);
    const tookMs = Date.now() - killedAt;
    assert.deepEqual([...two.get('a')!, ...two.get('b')!].sort(), [0, 1, 2, 3, 4, 5]);
    // the broker removed it for its session timeout, not for a LeaveGroup
    const removed = await broker.waitForLine(new RegExp(`"group":"${groupId}".*"reason":"session timed out after \\d+ ms","msg":"group member removed"`), 5000);
    assert.match(removed, new RegExp(`"reason":"session timed out after ${SESSION_MS} ms"`));
    assert.ok(tookMs >= SESSION_MS - 500, `survivors took over after ${tookMs} ms, before the ${SESSION_MS} ms session timeout`);
    assert.ok(!broker.output.some((l) => l.includes(groupId) && l.includes('left the group')), 'no LeaveGroup from the killed member');

    const afterKill = await produce(topic, 'after', 60);
    const handled = await handledOnce('after the kill', afterKill, () => allHandled([a, b]));
    assert.equal(new Set(handled.map((h) => h.partition)).size, PARTITIONS);
    await stopMember(a);
    await stopMember(b);
  });
});

/** The child process's program (CommonJS, run with node -e): one kafkajs consumer that prints JSON lines. */
const CHILD_CONSUMER = `
const { Kafka, logLevel } = require(process.env.KAFKAJS);
const kafka = new Kafka({ clientId: 'samsa-kafkajs-groups-test', brokers: [process.env.BOOTSTRAP], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: process.env.GROUP, sessionTimeout: Number(process.env.SESSION_MS), rebalanceTimeout: 10000, heartbeatInterval: 300, maxWaitTimeInMs: 300 });
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
consumer.on(consumer.events.GROUP_JOIN, (e) => say({ join: e.payload.memberAssignment[process.env.TOPIC] || [] }));
(async () => {
  await consumer.connect();
  await consumer.subscribe({ topic: process.env.TOPIC, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => say({ partition, offset: message.offset, value: message.value.toString() }) });
})().catch((err) => { console.error(err); process.exit(1); });
`;

describe('kafkajs committed offsets', () => {
  test('fetchOffsets shows the commits; a broker restart loses none; consumers after it resume from them', async () => {
    const topic = 'kjg-restart';
    const groupId = 'kjg-restart-group';
    await createTopic(topic);
    const a = await startMember('a', groupId, topic);
    const b = await startMember('b', groupId, topic);
    await settled(groupId, [a, b]);
    // uneven partitions, so that every committed offset differs
    const before: string[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const values = Array.from({ length: 3 + p * 2 }, (_, i) => `before-${p}-${i}`);
      await producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition: p, value })) });
      before.push(...values);
    }
    await handledOnce('before the restart', before, () => allHandled([a, b]));
    const committed = await committedToEnd(groupId, topic);
    assert.deepEqual([...committed].sort(([x], [y]) => x - y), Array.from({ length: PARTITIONS }, (_, p) => [p, String(3 + p * 2)]));
    await stopMember(a);
    await stopMember(b);

    await producer.disconnect();
    await admin.disconnect();
    broker = await broker.restart();
    await connectClients();

    const [reloaded] = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.deepEqual(reloaded!.partitions.map((p) => [p.partition, p.offset]).sort(([x], [y]) => Number(x) - Number(y)),
      Array.from({ length: PARTITIONS }, (_, p) => [p, String(3 + p * 2)]), 'committed offsets after the restart');
    assert.ok((await admin.listGroups()).groups.some((g) => g.groupId === groupId), 'the group is known after the restart');

    const c = await startMember('c', groupId, topic);
    const d = await startMember('d', groupId, topic);
    await settled(groupId, [c, d]);
    const afterRestart = await produce(topic, 'after', 60);
    await handledOnce('after the restart', afterRestart, () => allHandled([c, d]));
    const redelivered = allHandled([c, d]).filter((h) => !afterRestart.includes(h.value));
    assert.deepEqual(redelivered, [], 'messages committed before the restart were handled again');
    await committedToEnd(groupId, topic);
    await stopMember(c);
    await stopMember(d);
  });
});

describe('kafkajs fetch long poll in a group', () => {
  test('a caught-up consumer gets a new message at once, and waits without a busy loop while nothing comes', async () => {
    const topic = 'kjg-longpoll';
    const groupId = 'kjg-longpoll-group';
    const MAX_WAIT_MS = 3000;
    await createTopic(topic, 1);
    const received = new Map<string, number>();
    const fetches: Array<{ at: number; duration: number }> = [];
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: MAX_WAIT_MS, minBytes: 1 });
    consumers.add(consumer);
    consumer.on(consumer.events.REQUEST, (e) => {
      if (e.payload.apiName === 'Fetch') fetches.push({ at: Date.now(), duration: e.payload.duration });
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { received.set(message.value!.toString(), Date.now()); } });

    await producer.send({ topic, acks: -1, messages: [{ value: 'warm-up' }] });
    await eventually('the warm-up message', async () => (received.has('warm-up') ? true : undefined), 30_000);

    // nothing to read: the broker holds each Fetch for maxWaitTimeInMs
    await new Promise((r) => setTimeout(r, 500));
    const windowStart = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    const inWindow = fetches.filter((f) => f.at >= windowStart);
    assert.ok(inWindow.length <= 3, `${inWindow.length} Fetch requests in 3 s with nothing to read: ${JSON.stringify(inWindow)}`);
    assert.ok(inWindow.every((f) => f.duration >= MAX_WAIT_MS - 500), `an idle Fetch returned before maxWait: ${JSON.stringify(inWindow)}`);

    // caught up and waiting: a new message wakes the pending Fetch
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 700));
      const value = `wake-${i}`;
      const sentAt = Date.now();
      await producer.send({ topic, acks: -1, messages: [{ value }] });
      const gotAt = await eventually(`${value} to arrive`, async () => received.get(value), 30_000, 10);
      const delay = gotAt - sentAt;
      assert.ok(delay < MAX_WAIT_MS / 2, `${value} arrived ${delay} ms after the send (maxWait ${MAX_WAIT_MS} ms): the Fetch was not woken by the append`);
    }
    await consumer.disconnect();
    consumers.delete(consumer);
  });
});

describe('kafkajs admin and groups', () => {
  test('listGroups, describeGroups, setOffsets and resetOffsets, deleteGroups (NON_EMPTY_GROUP while members remain), fetchOffsets after delete', async () => {
    const topic = 'kjg-admin';
    const groupId = 'kjg-admin-group';
    await createTopic(topic);
    const a = await startMember('a', groupId, topic);
    await settled(groupId, [a]);
    const values = await produce(topic, 'adm', 30);
    await handledOnce('admin group', values, () => a.handled);
    await committedToEnd(groupId, topic);

    const { groups } = await admin.listGroups();
    assert.deepEqual(groups.filter((g) => g.groupId === groupId), [{ groupId, protocolType: 'consumer' }]);

    // a group with a member: not deletable, and its offsets cannot be set from outside
    await assert.rejects(admin.deleteGroups([groupId]), (err: unknown) => {
      const e = err as { name?: string; groups?: Array<{ groupId: string; error?: { type?: string } }> };
      assert.equal(e.name, 'KafkaJSDeleteGroupsError');
      assert.deepEqual(e.groups?.map((g) => [g.groupId, g.error?.type]), [[groupId, 'NON_EMPTY_GROUP']]);
      return true;
    });
    await assert.rejects(admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] }), /must have no running instances, current state: Stable/);

    await stopMember(a);
    const { groups: [empty] } = await admin.describeGroups([groupId]);
    assert.equal(empty!.state, 'Empty');
    assert.deepEqual(empty!.members, []);

    // an empty group: setOffsets and resetOffsets move its committed offsets
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }, { partition: 3, offset: '4' }] });
    const offsets = async (): Promise<Array<[number, string]>> => {
      const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return t!.partitions.map((p) => [p.partition, p.offset] as [number, string]).sort(([x], [y]) => x - y);
    };
    assert.deepEqual(await offsets(), [[0, '2'], [1, '5'], [2, '5'], [3, '4'], [4, '5'], [5, '5']]);
    await admin.resetOffsets({ groupId, topic, earliest: true });
    // kafkajs commits the "earliest" sentinel (-2) itself, and the broker keeps what it is given, as Kafka does
    assert.deepEqual(await offsets(), Array.from({ length: PARTITIONS }, (_, p) => [p, '-2']));
    // a consumer of the reset group reads everything again
    const again = await startMember('again', groupId, topic);
    await settled(groupId, [again]);
    await handledOnce('after resetOffsets', values, () => again.handled);
    await committedToEnd(groupId, topic);
    await stopMember(again);

    // empty again: deleteGroups works, and takes the offsets with it
    await eventually('the group to be empty', async () => ((await admin.describeGroups([groupId])).groups[0]!.state === 'Empty' ? true : undefined), 10_000);
    assert.deepEqual(await admin.deleteGroups([groupId]), [{ groupId, errorCode: 0 }]);
    assert.deepEqual(await offsets(), Array.from({ length: PARTITIONS }, (_, p) => [p, '-1']));
    assert.ok(!(await admin.listGroups()).groups.some((g) => g.groupId === groupId), 'the deleted group is not listed');
    const { groups: [gone] } = await admin.describeGroups([groupId]);
    assert.equal(gone!.state, 'Dead');
    // and deleting it again: GROUP_ID_NOT_FOUND
    await assert.rejects(admin.deleteGroups([groupId]), (err: unknown) => {
      const e = err as { groups?: Array<{ error?: { type?: string } }> };
      assert.deepEqual(e.groups?.map((g) => g.error?.type), ['GROUP_ID_NOT_FOUND']);
      return true;
    });
  });
});

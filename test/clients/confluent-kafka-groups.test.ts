// confluent-kafka-python (librdkafka 2.0.2) consumer groups against a real broker process
// (test/clients/python/confluent_kafka_group.py): subscribe, consume, commit (sync and auto-commit)
// and close; a later member of the group resumes from the committed offsets, also across a broker
// restart; committed() and AdminClient.list_groups (ListGroups + DescribeGroups) with the members'
// subscriptions and assignments; two members in one process split the partitions and read every
// message exactly once through a join and a leave, with the eager range and roundrobin assignors
// (full revoke) and cooperative-sticky (incremental: the first member keeps partitions); a member
// killed with SIGKILL is expired after its session timeout and a survivor takes its partitions.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker.js';
import { assertExactlyOnce, eventually, PYTHON, pythonScript, requirePythonModule, runPythonJson } from '../helpers/clients.js';

const skip = requirePythonModule('confluent_kafka', 'python3-confluent-kafka');
const SCRIPT = 'confluent_kafka_group.py';
/** librdkafka's OFFSET_INVALID: no committed offset. */
const NO_OFFSET = -1001;
/** Kafka's REBALANCE_IN_PROGRESS: what a commit may meet while the group completes a rebalance. */
const REBALANCE_IN_PROGRESS = 27;

interface Consumed { partition: number; offset: number; value: string; phase: string; committed?: boolean }
interface GroupEvent { event: 'assign' | 'revoke' | 'lost'; partitions: number[]; phase: string; at_ms: number; assignment?: number[] | null }
interface MemberReport {
  events: GroupEvent[]; consumed: Consumed[]; errors: string[];
  commit_errors: [number, number | string][]; revoke_commit_errors: [number | string, number | string][];
}
interface DescribedMember { id: string; client_id: string; client_host: string; subscription: string[] | null; assignment: Record<string, number[]> | null }
interface Described { id: string; error: number | null; state: string; protocol_type: string; protocol: string; members: DescribedMember[] }
interface Groups { all?: string[]; described?: Described[]; error?: string }
type Offsets = Record<string, number>;

interface RunResult {
  create: number | null;
  committed_before: Offsets;
  group_before: Groups;
  unflushed: number;
  delivered: Record<string, [number, number]>;
  consumed_all: boolean;
  commit?: [number, number, number | null][] | number | string;
  assignment: number[];
  position: Offsets;
  committed_while_member: Offsets;
  group_while_member: Groups;
  member: MemberReport;
  group_after: Groups;
  committed_after: Offsets;
}

interface PairResult {
  create: number | null;
  alone_ok: boolean; alone_assignment: number[];
  split_ok: boolean; split_assignment: { c1: number[]; c2: number[] };
  group_split: Groups;
  whole_ok: boolean; whole_assignment: number[];
  unflushed: number; sent: number; produce_errors: string[];
  delivered: Record<string, [number, number]>;
  end_offsets: Offsets;
  c1: MemberReport; c2: MemberReport;
  committed_after: Offsets;
}

interface SurvivorResult {
  split_ok: boolean; split_assignment: number[];
  unflushed_before: number; before_committed: boolean; unflushed_after: number;
  whole_ok: boolean; whole_assignment: number[];
  ms_kill_to_whole: number | null; killed_at_ms: number;
  delivered: Record<string, [number, number]>;
  survivor: MemberReport;
  group_after: Groups;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const valuesOf = (from: number, to: number): string[] => range(from, to).map((i) => `v-${i}`);
const offsetsOf = (partitions: number, offset: (p: number) => number): Offsets => Object.fromEntries(range(0, partitions).map((p) => [String(p), offset(p)]));

/** Message i goes to partition i % partitions: the offset each partition ends at after messages [0, n). */
function endsAfter(n: number, partitions: number): Offsets {
  return offsetsOf(partitions, (p) => Math.floor(n / partitions) + (p < n % partitions ? 1 : 0));
}

/** The one group described by list_groups(group=...). */
function described(groups: Groups, groupId: string): Described {
  assert.equal(groups.error, undefined, `list_groups: ${groups.error}`);
  assert.ok(groups.all?.includes(groupId), `ListGroups lists ${groupId}: ${JSON.stringify(groups.all)}`);
  assert.equal(groups.described?.length, 1, `list_groups(group=${groupId}): ${JSON.stringify(groups.described)}`);
  const g = groups.described[0]!;
  assert.equal(g.id, groupId);
  assert.equal(g.error, null);
  return g;
}


describe('confluent-kafka-python consumer groups', { skip }, () => {
  describe('one member at a time: commits, resuming, a broker restart', () => {
    const TOPIC = 'cg-resume';
    const GROUP = 'cg-resume-group';
    const P = 4;
    let broker: BrokerProcess;
    let dataDir: string;
    let first: RunResult;
    let second: RunResult;
    let third: RunResult;

    before(async () => {
      broker = await BrokerProcess.start({ overrides: { 'group.initial.rebalance.delay.ms': 0 } });
      dataDir = broker.dataDir;
      first = await runPythonJson<RunResult>(SCRIPT, ['run', broker.bootstrap, TOPIC, GROUP, String(P), '0', '40', 'sync'], 60_000);
      second = await runPythonJson<RunResult>(SCRIPT, ['run', broker.bootstrap, TOPIC, GROUP, String(P), '40', '24', 'auto'], 60_000);
      broker = await broker.restart();
      third = await runPythonJson<RunResult>(SCRIPT, ['run', broker.bootstrap, TOPIC, GROUP, String(P), '64', '16', 'sync'], 60_000);
    });
    after(async () => {
      await broker?.dispose();
      if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('a new group has no committed offsets and is not listed', () => {
      assert.equal(first.create, null);
      assert.deepEqual(first.committed_before, offsetsOf(P, () => NO_OFFSET));
      assert.deepEqual(first.group_before, { all: [], described: [] });
    });

    it('subscribes, reads every message from the earliest offset, and commits synchronously', () => {
      assert.equal(first.unflushed, 0);
      assert.ok(first.consumed_all);
      assert.deepEqual(first.member.errors, []);
      assertExactlyOnce(first.member.consumed, first.delivered, valuesOf(0, 40));
      assert.deepEqual(first.assignment, [0, 1, 2, 3]);
      assert.deepEqual(first.commit, range(0, P).map((p) => [p, 10, null]));
      assert.deepEqual(first.position, endsAfter(40, P));
      assert.deepEqual(first.committed_while_member, endsAfter(40, P));
      assert.deepEqual(first.committed_after, endsAfter(40, P), 'committed() from outside the group after close');
    });

    it('describes the group: Stable with its member, subscription and assignment; Empty after close', () => {
      const g = described(first.group_while_member, GROUP);
      assert.equal(g.state, 'Stable');
      assert.equal(g.protocol_type, 'consumer');
      assert.equal(g.protocol, 'range');
      assert.equal(g.members.length, 1);
      const m = g.members[0]!;
      assert.match(m.id, /^samsa-single-/);
      assert.equal(m.client_id, 'samsa-single');
      assert.equal(m.client_host, '/127.0.0.1');
      assert.deepEqual(m.subscription, [TOPIC]);
      assert.deepEqual(m.assignment, { [TOPIC]: [0, 1, 2, 3] });
      const after = described(first.group_after, GROUP);
      assert.equal(after.state, 'Empty');
      assert.deepEqual(after.members, []);
    });

    it('a second member resumes from the commit: only the new messages, committed by auto-commit', () => {
      assert.deepEqual(second.committed_before, endsAfter(40, P));
      assert.equal(described(second.group_before, GROUP).state, 'Empty');
      assert.ok(second.consumed_all);
      assert.deepEqual(second.member.errors, []);
      assertExactlyOnce(second.member.consumed, second.delivered, valuesOf(40, 64));
      for (const c of second.member.consumed) assert.ok(c.offset >= endsAfter(40, P)[String(c.partition)]!, `${c.value} at ${c.partition}:${c.offset} was read before`);
      assert.equal(second.commit, undefined);
      assert.deepEqual(second.position, endsAfter(64, P));
      assert.deepEqual(second.committed_while_member, endsAfter(64, P), 'auto-commit caught up with the position');
      assert.deepEqual(second.committed_after, endsAfter(64, P));
    });

    it('keeps the committed offsets and the group across a broker restart', () => {
      assert.equal(third.create, 36, 'the topic survived the restart (TOPIC_ALREADY_EXISTS)');
      assert.deepEqual(third.committed_before, endsAfter(64, P));
      const g = described(third.group_before, GROUP);
      assert.equal(g.state, 'Empty');
      assert.ok(third.consumed_all);
      assert.deepEqual(third.member.errors, []);
      assertExactlyOnce(third.member.consumed, third.delivered, valuesOf(64, 80));
      assert.deepEqual(third.committed_after, endsAfter(80, P));
    });
  });

  describe('two members in one process', () => {
    const P = 6;
    const COUNT = 30;
    let broker: BrokerProcess;

    before(async () => {
      broker = await BrokerProcess.start({ overrides: { 'group.initial.rebalance.delay.ms': 0 } });
    });
    after(async () => {
      await broker?.dispose();
    });

    for (const strategy of ['range', 'roundrobin', 'cooperative-sticky'] as const) {
      describe(strategy, () => {
        const cooperative = strategy === 'cooperative-sticky';
        const TOPIC = `cg-pair-${strategy}`;
        const GROUP = `cg-pair-${strategy}-group`;
        let r: PairResult;

        before(async () => {
          r = await runPythonJson<PairResult>(SCRIPT, ['pair', broker.bootstrap, TOPIC, GROUP, String(P), strategy, String(COUNT)], 120_000);
        });

        it('reads every message exactly once through the join and the leave, and commits them all', () => {
          assert.equal(r.create, null);
          assert.ok(r.alone_ok && r.split_ok && r.whole_ok, `alone ${r.alone_ok}, split ${r.split_ok}, whole ${r.whole_ok}`);
          assert.equal(r.unflushed, 0);
          assert.deepEqual(r.produce_errors, []);
          assert.equal(Object.keys(r.delivered).length, r.sent);
          for (const m of [r.c1, r.c2]) {
            assert.deepEqual(m.errors, []);
            assert.deepEqual(m.revoke_commit_errors, [], 'commits in on_revoke');
            for (const [, code] of m.commit_errors) assert.equal(code, REBALANCE_IN_PROGRESS, `per-message commit errors: ${JSON.stringify(m.commit_errors)}`);
          }
          assertExactlyOnce([...r.c1.consumed, ...r.c2.consumed], r.delivered, valuesOf(0, r.sent));
          assert.deepEqual(r.committed_after, r.end_offsets);
        });

        it('splits the partitions between the two members as the assignor says', () => {
          assert.deepEqual(r.alone_assignment, range(0, P));
          const { c1, c2 } = r.split_assignment;
          assert.deepEqual([...c1, ...c2].sort(), range(0, P));
          assert.equal(c1.length, P / 2);
          assert.equal(c2.length, P / 2);
          if (strategy === 'range') assert.ok([[0, 1, 2], [3, 4, 5]].some((block) => JSON.stringify(block) === JSON.stringify(c1)), `range gives blocks: ${c1}`);
          if (strategy === 'roundrobin') assert.ok([[0, 2, 4], [1, 3, 5]].some((every) => JSON.stringify(every) === JSON.stringify(c1)), `roundrobin alternates: ${c1}`);
          const split = r.c1.consumed.filter((c) => c.phase === 'split');
          const split2 = r.c2.consumed.filter((c) => c.phase === 'split');
          assert.ok(split.length > 0 && split2.length > 0, `both read after the split (${split.length}, ${split2.length})`);
          for (const c of split) assert.ok(c1.includes(c.partition), `c1 read ${c.value} from partition ${c.partition}, not its own`);
          for (const c of split2) assert.ok(c2.includes(c.partition), `c2 read ${c.value} from partition ${c.partition}, not its own`);
          const g = described(r.group_split, GROUP);
          assert.equal(g.state, 'Stable');
          assert.equal(g.protocol, strategy);
          assert.deepEqual(g.members.map((m) => [m.client_id, m.subscription, m.assignment]), [['c1', [TOPIC], { [TOPIC]: c1 }], ['c2', [TOPIC], { [TOPIC]: c2 }]]);
        });

        it(cooperative ? 'the first member keeps its other partitions when the second joins (incremental revoke)' : 'the first member gives up everything when the second joins (eager revoke)', () => {
          const joined = r.c1.events.filter((e) => e.phase === 'join' || e.phase === 'split');
          const kept = r.split_assignment.c1;
          const given = range(0, P).filter((p) => !kept.includes(p));
          if (cooperative) {
            assert.deepEqual(joined.filter((e) => e.event !== 'assign' || e.partitions.length > 0).map((e) => [e.event, e.partitions]), [['revoke', given]],
              `c1's events: ${JSON.stringify(joined)}`);
            for (const e of joined) assert.ok((e.assignment ?? []).length > 0, `c1 kept partitions throughout: ${JSON.stringify(e)}`);
            assert.deepEqual(r.c2.events.filter((e) => e.phase !== 'leave' && e.partitions.length > 0).map((e) => [e.event, e.partitions]), [['assign', given]]);
          } else {
            assert.deepEqual(joined.map((e) => [e.event, e.partitions]), [['revoke', range(0, P)], ['assign', kept]], `c1's events: ${JSON.stringify(joined)}`);
            assert.deepEqual(r.c2.events.filter((e) => e.phase !== 'leave').map((e) => [e.event, e.partitions]), [['assign', r.split_assignment.c2]]);
          }
        });

        it(cooperative ? 'the first member is given the leaver\'s partitions without a revoke' : 'the first member is given every partition after a full revoke when the second leaves', () => {
          assert.deepEqual(r.whole_assignment, range(0, P));
          const kept = r.split_assignment.c1;
          const left = r.c1.events.filter((e) => e.phase === 'leave').map((e) => [e.event, e.partitions]);
          if (cooperative) assert.deepEqual(left, [['assign', r.split_assignment.c2]]);
          else assert.deepEqual(left, [['revoke', kept], ['assign', range(0, P)]]);
          assert.deepEqual(r.c2.events.filter((e) => e.phase === 'leave').map((e) => [e.event, e.partitions]), [['revoke', r.split_assignment.c2]], 'c2 revokes on close');
          assert.ok(r.c1.consumed.some((c) => c.phase === 'whole' && r.split_assignment.c2.includes(c.partition)), 'c1 reads the leaver\'s partitions');
        });
      });
    }
  });

  describe('a member killed without leaving', () => {
    const TOPIC = 'cg-kill';
    const GROUP = 'cg-kill-group';
    const P = 4;
    const COUNT = 20;
    let broker: BrokerProcess;
    let victim: ChildProcess;
    const victimLines: Record<string, any>[] = [];
    let victimExit: Promise<NodeJS.Signals | number | null>;
    let victimStderr = '';
    let r: SurvivorResult;

    before(async () => {
      broker = await BrokerProcess.start({ overrides: { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 } });
      victim = spawn(PYTHON, [pythonScript(SCRIPT), 'member', broker.bootstrap, TOPIC, GROUP, String(P)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
      victimExit = new Promise((resolve) => victim.once('exit', (code, signal) => resolve(signal ?? code)));
      let buf = '';
      victim.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) if (l.startsWith('{')) victimLines.push(JSON.parse(l) as Record<string, any>);
      });
      victim.stderr!.on('data', (d: Buffer) => { victimStderr += d.toString(); });
      await eventually('the victim to own every partition', async () =>
        victimLines.some((e) => e.event === 'assign' && JSON.stringify(e.assignment) === JSON.stringify(range(0, P))) ? true : undefined, 30_000);
      r = await runPythonJson<SurvivorResult>(SCRIPT, ['survivor', broker.bootstrap, TOPIC, GROUP, String(P), String(victim.pid), String(COUNT)], 90_000);
    });
    after(async () => {
      if (victim?.exitCode === null && victim.signalCode === null) victim.kill('SIGKILL');
      await broker?.dispose();
    });

    it('the victim shared the partitions and committed what it read before it was killed', async () => {
      assert.equal(await victimExit, 'SIGKILL', `victim stderr:\n${victimStderr}`);
      assert.ok(r.split_ok, 'the survivor got a share');
      const theirs = range(0, P).filter((p) => !r.split_assignment.includes(p));
      const lastAssign = victimLines.filter((e) => e.event === 'assign').at(-1);
      assert.deepEqual(lastAssign?.assignment, theirs, `victim's events: ${JSON.stringify(victimLines.filter((e) => e.event !== 'consumed'))}`);
      assert.ok(r.before_committed, 'the victim committed its share of the first messages');
      const read = victimLines.filter((e) => e.event === 'consumed');
      assert.ok(read.length > 0);
      for (const e of read) {
        assert.ok(theirs.includes(e.partition as number), `victim read ${e.value} from ${e.partition}`);
        assert.equal(e.committed, true, `victim's commit of ${e.value}`);
      }
    });

    it('after the session timeout, the survivor gets every partition and reads what came after the kill', () => {
      assert.ok(r.whole_ok, `survivor events: ${JSON.stringify(r.survivor.events)}`);
      assert.deepEqual(r.whole_assignment, range(0, P));
      assert.deepEqual(r.survivor.errors, []);
      assert.ok(r.ms_kill_to_whole !== null && r.ms_kill_to_whole >= 2000, `the broker kept the killed member until its session (3000 ms) timed out: ${r.ms_kill_to_whole} ms`);
      const afterKill = r.survivor.events.filter((e) => e.phase === 'after-kill').map((e) => [e.event, e.partitions]);
      assert.deepEqual(afterKill, [['revoke', r.split_assignment], ['assign', range(0, P)]], 'one (eager) rebalance after the kill');
      const survivorRead = new Set(r.survivor.consumed.map((c) => c.value));
      for (const v of valuesOf(COUNT, 2 * COUNT)) assert.ok(survivorRead.has(v), `the survivor read ${v}, produced after the kill`);
      // Every message read once by one of the two: the victim's commits held after its death.
      const victimRead = victimLines.filter((e) => e.event === 'consumed') as unknown as Consumed[];
      assertExactlyOnce([...r.survivor.consumed, ...victimRead], r.delivered, valuesOf(0, 2 * COUNT));
      assert.equal(described(r.group_after, GROUP).state, 'Empty');
    });
  });
});

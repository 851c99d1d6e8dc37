// Stopping a broker that has clients: SIGTERM stops accepting, answers the requests already read,
// closes every connection whoever is still connected, and flushes and closes the logs, saying so
// in the log; a restart finds every acknowledged record without truncating anything. A second
// signal during a stop that waits ends the process at once; one during start-up stops the broker
// once it has started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { RawConnection } from '../helpers/raw-socket.js';
import { buildBatch } from '../records/build-batch.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/** Resolves with the exit code (or the signal that ended it), or null if the process still runs after `ms` (a hang, not a speed target). */
function exitWithin(broker: BrokerProcess, ms: number): Promise<number | string | null> {
  const { exitCode, signalCode } = broker.proc;
  if (exitCode !== null || signalCode !== null) return Promise.resolve(exitCode ?? signalCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    broker.proc.once('exit', (code, signal) => { clearTimeout(timer); resolve(code ?? signal); });
  });
}

async function createTopic(client: RawClient, name: string): Promise<void> {
  const res = await client.request(ApiKey.CreateTopics, 7, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000, validateOnly: false });
  assert.equal(res.topics[0].errorCode, 0);
}

test('SIGTERM with idle connections and one under produce load: exit 0 soon, logged, every acknowledged record there after a restart', async () => {
  const broker = await BrokerProcess.start();
  const idle: RawConnection[] = [];
  let restarted: BrokerProcess | null = null;
  try {
    const admin = await RawClient.open(broker.bootstrap);
    await createTopic(admin, 'stop-load');
    await admin.close();
    for (let i = 0; i < 5; i++) idle.push(await RawConnection.connect(broker.port));

    // Produce (acks=all, two requests in flight) until the connection goes; note what was acknowledged.
    const producer = await RawClient.open(broker.bootstrap);
    const acked = new Map<number, string>();
    let sent = 0;
    const produceLoop = async (): Promise<void> => {
      for (;;) {
        const value = `v-${sent++}`.padEnd(200, '.');
        let res;
        try {
          res = await producer.produce('stop-load', 0, buildBatch({ records: [{ key: 'k', value }] }), -1);
        } catch {
          return; // the broker closed the connection
        }
        assert.equal(res.errorCode, 0);
        acked.set(res.baseOffset, value);
      }
    };
    const loops = [produceLoop(), produceLoop()];
    while (acked.size < 200) await new Promise((r) => setTimeout(r, 20));

    broker.proc.kill('SIGTERM');
    const code = await exitWithin(broker, 30_000);
    assert.equal(code, 0, `the broker did not stop:\n${broker.output.slice(-20).join('\n')}`);
    await Promise.all(loops);
    for (const c of idle) assert.equal(await c.waitClosed(5_000), true, 'an idle connection was left open');

    await broker.waitForLine(/samsa stopped/, 10_000); // the last lines may come in after the exit
    const line = (msg: string): Record<string, unknown> => {
      const l = broker.output.find((x) => x.includes(`"msg":"${msg}`));
      assert.ok(l !== undefined, `no "${msg}" line:\n${broker.output.slice(-20).join('\n')}`);
      return JSON.parse(l) as Record<string, unknown>;
    };
    assert.equal(line('stopped accepting connections; answering the requests already read').connections, 6);
    const closed = line('closed every connection');
    assert.equal(closed.connections, 6);
    assert.equal((closed.drained as number) + (closed.forced as number), 6);
    line('shard workers flushed and closed every log');
    line('samsa stopped');

    restarted = await BrokerProcess.start({ dataDir: broker.dataDir, port: broker.port });
    assert.equal(restarted.output.some((l) => /recovery truncated/.test(l)), false, 'recovery had to truncate a log');
    const reader = await RawClient.open(restarted.bootstrap);
    const { records } = await reader.readPartition('stop-load', 0);
    await reader.close();
    const stored = new Map(records.map((r) => [r.offset, r.value?.toString()]));
    for (const [offset, value] of acked) assert.equal(stored.get(offset), value, `acknowledged offset ${offset}`);
  } finally {
    for (const c of idle) c.destroy();
    await restarted?.dispose();
    await broker.dispose();
  }
});

/** A JoinGroup that waits out group.initial.rebalance.delay.ms (600 s here), read by the broker: a request the drain waits for. */
async function joinThatWaits(broker: BrokerProcess): Promise<{ joined: Promise<unknown>; clients: RawClient[] }> {
  const watcher = await RawClient.open(broker.bootstrap);
  const describe = async (): Promise<{ errorCode: number; groupState: string }> =>
    (await watcher.request(ApiKey.DescribeGroups, 5, { groups: ['stop-waits'], includeAuthorizedOperations: false })).groups[0];
  while ((await describe()).errorCode !== 0) await new Promise((r) => setTimeout(r, 50)); // groups loaded
  const joiner = await RawClient.connect(broker.host, broker.port, { timeoutMs: 600_000 });
  const joined = joiner.request(ApiKey.JoinGroup, 3, {
    groupId: 'stop-waits', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 600_000, memberId: '', protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
  }).catch(() => null);
  while ((await describe()).groupState !== 'PreparingRebalance') await new Promise((r) => setTimeout(r, 50));
  return { joined, clients: [watcher, joiner] };
}

test('a request still unanswered after samsa.shutdown.drain.ms is cut off; the stop goes on and exits 0', async () => {
  const broker = await BrokerProcess.start({ overrides: { 'group.initial.rebalance.delay.ms': 600_000, 'samsa.shutdown.drain.ms': 200 } });
  try {
    const { joined, clients } = await joinThatWaits(broker);
    broker.proc.kill('SIGTERM');
    assert.equal(await exitWithin(broker, 30_000), 0);
    assert.equal(await joined, null, 'the JoinGroup should not have been answered');
    const closed = JSON.parse(await broker.waitForLine(/"msg":"closed every connection"/, 10_000)) as Record<string, number>;
    assert.equal(closed.forced, 1, 'the joiner is cut off, the watcher drained');
    assert.equal(closed.drained, 1);
    for (const c of clients) await c.close();
  } finally {
    await broker.dispose();
  }
});

// SIGINT after SIGTERM counts at once; the same signal again counts once it is not a copy that
// npm forwarded with the first (test/npm-start.test.ts), which is the case a second later.
for (const [second, pauseMs] of [['SIGINT', 0], ['SIGTERM', 1_500]] as const) {
  test(`a second signal (${second}) during a stop that waits on a request ends the process at once, non-zero`, async () => {
    const broker = await BrokerProcess.start({ overrides: { 'group.initial.rebalance.delay.ms': 600_000, 'samsa.shutdown.drain.ms': 600_000 } });
    try {
      const { joined, clients } = await joinThatWaits(broker);

      broker.proc.kill('SIGTERM');
      await broker.waitForLine(/stopped accepting connections/, 30_000);
      await new Promise((r) => setTimeout(r, pauseMs));
      assert.equal(broker.proc.exitCode, null, 'the stop should be waiting for the JoinGroup');
      // Out of rotation while it stops: /readyz says so (the process is still alive: /healthz 200).
      const ready = await fetch(`${broker.metricsUrl}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(await ready.text(), /stopping/);
      assert.equal((await fetch(`${broker.metricsUrl}/healthz`)).status, 200);
      broker.proc.kill(second);
      const code = await exitWithin(broker, 30_000);
      assert.notEqual(code, null, `the second signal did not end the process:\n${broker.output.slice(-8).join('\n')}`);
      assert.equal(code, 'SIGKILL', broker.output.slice(-8).join('\n'));
      assert.ok((await broker.waitForLine(/second signal while shutting down/, 10_000)).includes(second));
      assert.equal(await joined, null, 'the JoinGroup should not have been answered');
      for (const c of clients) await c.close();
    } finally {
      await broker.dispose();
    }
  });
}

test('a signal during start-up (a long recovery) stops the broker cleanly once it has started', async () => {
  // 640 partitions recovered by one worker: the recovery logs its progress before the broker starts.
  const first = await BrokerProcess.start({ overrides: { 'samsa.worker.threads': 1 } });
  const dataDir = first.dataDir;
  try {
    const client = await RawClient.open(first.bootstrap);
    const created = await client.request(ApiKey.CreateTopics, 7, {
      topics: [{ name: 'many', numPartitions: 640, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 60_000, validateOnly: false,
    });
    assert.equal(created.topics[0].errorCode, 0);
    await client.close();
    assert.equal(await first.stop(), 0);

    const proc = spawn(process.execPath, [MAIN, ...[
      `listeners=PLAINTEXT://127.0.0.1:${first.port}`, `log.dirs=${dataDir}`, 'samsa.worker.threads=1',
      'metrics.listener=', 'samsa.recovery.progress.interval.ms=0',
    ].flatMap((kv) => ['--override', kv])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    // 'close': the process has exited and its output has all come in
    const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      proc.stdout.on('data', (d: Buffer) => {
        const had = out.includes('recovering partition logs');
        out += d.toString();
        // the first progress line: recovery under way, so the broker has not started
        if (!had && out.includes('recovering partition logs')) resolve();
      });
      proc.once('exit', () => resolve());
    });
    proc.kill('SIGTERM');
    assert.equal(await exited, 0, out.split('\n').slice(-5).join('\n'));
    const msgs = out.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { msg: string }).msg);
    const order = ['signal during start-up', 'samsa started', 'shutting down', 'samsa stopped']
      .map((m) => msgs.findIndex((x) => x.startsWith(m)));
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), `${order.join(',')}\n${msgs.slice(-8).join('\n')}`);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

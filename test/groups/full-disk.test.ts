// A full disk on the way to a coordinator (issue 12, item 11): the first log dir, which holds
// samsa-topics.json, is a 1 MiB tmpfs filled to the last byte, so creating __consumer_offsets or
// __transaction_state fails with a real ENOSPC while writing the registry. FindCoordinator answers
// COORDINATOR_NOT_AVAILABLE on a connection that stays open, no samsa-topics.json.tmp is left, and
// once the space is freed a kafkajs consumer group and a transactional producer work without a
// restart (the failure was not cached). The same for a block of producer ids that cannot be written:
// InitProducerId answers COORDINATOR_LOAD_IN_PROGRESS (as Kafka does without a block) until space is
// freed. And AlterConfigs, CreatePartitions and DeleteTopics answer KAFKA_STORAGE_ERROR and leave
// the registry as it was, on disk and in memory. Needs mount(8) with tmpfs (root); skips otherwise.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { kafkaClient } from '../helpers/kafkajs.js';

const { Partitioners } = kafkajs;

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-full-disk-'));
const small = path.join(base, 'small');
const big = path.join(base, 'big');
fs.mkdirSync(small);
fs.mkdirSync(big);

function tryMount(): string | false {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small], { stdio: 'pipe' });
    return false;
  } catch (err) {
    return `needs a tmpfs mount (root): ${(err as Error).message.split('\n')[0]}`;
  }
}
const skip = tryMount();

/** Writes zeros into `dir`/fill until the file system says ENOSPC. */
function fillUp(dir: string): void {
  const fd = fs.openSync(path.join(dir, 'fill'), 'w');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
}

let broker: BrokerProcess | undefined;

before(async () => {
  if (skip !== false) return;
  broker = await BrokerProcess.start({
    dataDir: base,
    overrides: {
      'log.dirs': `${small},${big}`, 'offsets.topic.num.partitions': 3, 'transaction.state.log.num.partitions': 3,
      'group.initial.rebalance.delay.ms': 0,
    },
  });
});

after(async () => {
  await broker?.kill();
  if (skip === false) execFileSync('umount', [small]);
  fs.rmSync(base, { recursive: true, force: true });
});

test('a full disk while creating the coordinator topics: COORDINATOR_NOT_AVAILABLE, then groups and transactions work once space is freed', { skip }, async () => {
  const raw = await RawClient.open(broker!.bootstrap);
  try {
    // A topic in the first log dir, so that the coordinator topics' partitions go to the second
    // one and only the registry write in the first fails.
    const created = await raw.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'filler', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false }) as { topics: { errorCode: number }[] };
    assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
    assert.ok(fs.existsSync(path.join(small, 'filler-0')));
    fillUp(small);

    for (const keyType of [0, 1]) {
      for (let attempt = 0; attempt < 2; attempt++) {
        const r = await raw.request(ApiKey.FindCoordinator, 3, { key: 'jobs-group', keyType }) as { errorCode: number; nodeId: number };
        assert.equal(r.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE, `key type ${keyType}, attempt ${attempt}`);
        assert.equal(r.nodeId, -1);
      }
    }
    const init = await raw.request(ApiKey.InitProducerId, 4, { transactionalId: 'txn-1', transactionTimeoutMs: 10_000, producerId: -1, producerEpoch: -1 }) as { errorCode: number };
    assert.equal(init.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.ok(!fs.existsSync(path.join(small, 'samsa-topics.json.tmp')), 'no temp file left behind');
    const registry = JSON.parse(fs.readFileSync(path.join(small, 'samsa-topics.json'), 'utf8')) as { topics: { name: string }[] };
    assert.deepEqual(registry.topics.map((t) => t.name), ['filler']);
    assert.ok(broker!.output.some((l) => /could not create a coordinator topic/.test(l) && /__consumer_offsets/.test(l) && /ENOSPC/.test(l)));
    // The partitions opened for the failed topic are gone again.
    assert.deepEqual(fs.readdirSync(big).filter((n) => n.startsWith('__consumer_offsets-') && !n.endsWith('-delete')), []);
  } finally {
    await raw.close();
  }

  fs.rmSync(path.join(small, 'fill'));

  const kafka = kafkaClient(broker!.bootstrap, 'samsa-full-disk-test', 8);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, transactionalId: 'txn-1', idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: 'jobs-group', sessionTimeout: 10_000 });
  try {
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic: 'jobs', messages: [{ value: 'job-1' }, { value: 'job-2' }] });
    await txn.commit();

    await consumer.connect();
    await consumer.subscribe({ topic: 'jobs', fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
          if (seen.length === 2) resolve();
        },
      }).catch(reject);
    });
    assert.deepEqual(seen, ['job-1', 'job-2']);
    const registry = JSON.parse(fs.readFileSync(path.join(small, 'samsa-topics.json'), 'utf8')) as { topics: { name: string }[] };
    assert.ok(registry.topics.some((t) => t.name === '__consumer_offsets'));
    assert.ok(registry.topics.some((t) => t.name === '__transaction_state'));
  } finally {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
  }
});

test('a full disk when a new block of producer ids is due: InitProducerId answers COORDINATOR_LOAD_IN_PROGRESS, and works once space is freed', { skip }, async () => {
  const raw = await RawClient.open(broker!.bootstrap);
  try {
    const idempotent = async (): Promise<{ errorCode: number; producerId: number }> =>
      await raw.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 }) as { errorCode: number; producerId: number };
    const transactional = async (transactionalId: string): Promise<{ errorCode: number; producerId: number }> =>
      await raw.request(ApiKey.InitProducerId, 4, { transactionalId, transactionTimeoutMs: 10_000, producerId: -1, producerEpoch: -1 }) as { errorCode: number; producerId: number };
    assert.equal((await transactional('txn-before')).errorCode, ErrorCode.NONE, 'the coordinator topics exist (previous test)');
    fillUp(small);
    // the current block of 1000 ids runs out: the next one cannot be written
    let failed: { errorCode: number } | undefined;
    for (let i = 0; i < 1001 && failed === undefined; i++) {
      const r = await idempotent();
      if (r.errorCode !== ErrorCode.NONE) failed = r;
    }
    assert.equal(failed?.errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    assert.equal((await idempotent()).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 'not cached: tried again, still full');
    assert.equal((await transactional('txn-full')).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    assert.ok(!fs.existsSync(path.join(small, 'samsa-producer-ids.json.tmp')), 'no temp file left behind');

    fs.rmSync(path.join(small, 'fill'));
    const after = await idempotent();
    assert.equal(after.errorCode, ErrorCode.NONE);
    assert.equal((await transactional('txn-full')).errorCode, ErrorCode.NONE);
    assert.equal(JSON.parse(fs.readFileSync(path.join(small, 'samsa-producer-ids.json'), 'utf8')).nextBlockStart, 2000);
  } finally {
    await raw.close();
  }
});

test('a full disk while changing topics: AlterConfigs, CreatePartitions and DeleteTopics answer KAFKA_STORAGE_ERROR and change nothing, in memory either', { skip }, async () => {
  const raw = await RawClient.open(broker!.bootstrap);
  const registry = (): { name: string; logDir: string; partitions: number; configs: Record<string, string> }[] =>
    (JSON.parse(fs.readFileSync(path.join(small, 'samsa-topics.json'), 'utf8')) as { topics: ReturnType<typeof registry> }).topics;
  const alter = async (): Promise<number> => ((await raw.request(ApiKey.AlterConfigs, 1, {
    resources: [{ resourceType: 2, resourceName: 'admin-t', configs: [{ name: 'retention.ms', value: '12345' }] }], validateOnly: false,
  })) as { responses: { errorCode: number }[] }).responses[0]!.errorCode;
  const grow = async (): Promise<number> => ((await raw.request(ApiKey.CreatePartitions, 1, {
    topics: [{ name: 'admin-t', count: 3, assignments: null }], timeoutMs: 10_000, validateOnly: false,
  })) as { results: { errorCode: number }[] }).results[0]!.errorCode;
  const drop = async (): Promise<number> => ((await raw.request(ApiKey.DeleteTopics, 4, { topicNames: ['admin-t'], timeoutMs: 10_000 })) as { responses: { errorCode: number }[] }).responses[0]!.errorCode;
  try {
    // two topics, so that the second one's log dir is the one with room (the registry is in the full one)
    for (const name of ['pad', 'admin-t']) {
      const r = await raw.request(ApiKey.CreateTopics, 7, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false }) as { topics: { errorCode: number }[] };
      assert.equal(r.topics[0]!.errorCode, ErrorCode.NONE);
    }
    assert.equal(registry().find((t) => t.name === 'admin-t')?.logDir, big, 'admin-t lives in the log dir with room');
    fillUp(small);

    assert.equal(await alter(), ErrorCode.KAFKA_STORAGE_ERROR);
    assert.equal(await grow(), ErrorCode.KAFKA_STORAGE_ERROR);
    assert.equal(await drop(), ErrorCode.KAFKA_STORAGE_ERROR);
    assert.equal((await raw.describeTopic('admin-t')).partitions, 1, 'still there, with its one partition');
    assert.ok(!fs.existsSync(path.join(small, 'samsa-topics.json.tmp')));

    fs.rmSync(path.join(small, 'fill'));
    // the first write after the failures carries none of them: the failed config change is not in it
    assert.equal(await grow(), ErrorCode.NONE);
    const grown = registry().find((t) => t.name === 'admin-t')!;
    assert.deepEqual([grown.partitions, grown.configs], [3, {}]);
    assert.equal(await alter(), ErrorCode.NONE);
    assert.deepEqual(registry().find((t) => t.name === 'admin-t')?.configs, { 'retention.ms': '12345' });
    assert.equal(await drop(), ErrorCode.NONE);
    assert.equal(registry().some((t) => t.name === 'admin-t'), false);
  } finally {
    await raw.close();
  }
});

// /metrics, /healthz and /readyz of a real broker with four shard workers, driven by kafkajs:
// counts merged across the workers exactly (every message once, however many scrapes), requests
// and their errors by api and version, connections, consumer-group lag per partition and topic,
// the per-partition switch, Prometheus's own lint (promtool check metrics), the uWebSockets.js
// native binary (or node:http with one warning line), and a metrics port already taken.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import kafkajs from 'kafkajs';
import type { Admin, Producer } from 'kafkajs';
import { BrokerProcess, freePort, runCommand } from '../helpers/broker.js';
import { eventually } from '../helpers/clients.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { RawClient, encodeRequest } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { ZERO_UUID } from '../../src/protocol/messages/schema.js';
import { scrape, select, total, type Sample } from '../helpers/metrics.js';

const { Partitioners } = kafkajs;

const TOPIC = 'metered';
const PARTITIONS = 8;
const PER_PARTITION = 25;
const GROUP = 'metered-readers';

function kafkaFor(broker: BrokerProcess) {
  return kafkaClient(broker.bootstrap, 'samsa-metrics-test');
}

async function produceEach(producer: Producer, count: number, tag: string): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) {
    await producer.send({ topic: TOPIC, messages: Array.from({ length: count }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })) });
  }
}

describe('metrics over HTTP, merged across four shard workers', () => {
  let broker: BrokerProcess;
  let url: string;
  let admin: Admin;
  let producer: Producer;

  before(async () => {
    broker = await BrokerProcess.start({ overrides: { 'samsa.worker.threads': 4, 'group.initial.rebalance.delay.ms': 0, 'auto.create.topics.enable': false } });
    url = broker.metricsUrl!;
    const kafka = kafkaFor(broker);
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
  });

  after(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await broker?.dispose();
  });

  test('the start-up line names the listeners, the log dirs, the workers, the recovery time and the HTTP listener', () => {
    const line = JSON.parse(broker.output.find((l) => l.includes('samsa started'))!) as Record<string, unknown>;
    assert.deepEqual(line.listeners, [`PLAINTEXT://127.0.0.1:${broker.port}`]);
    assert.deepEqual(line.logDirs, [broker.dataDir]);
    assert.equal(line.workers, 4);
    assert.equal(typeof line.recoveryMs, 'number');
    assert.match(String(line.metricsListener), /^http:\/\/127\.0\.0\.1:\d+$/);
    // Node 20's ABI (115) is among the binaries the package ships: the native server must load.
    if (process.versions.modules === '115') assert.equal(line.httpServer, 'uWebSockets.js');
    const warned = broker.output.filter((l) => l.includes('falls back to node:http'));
    assert.equal(warned.length, line.httpServer === 'node:http' ? 1 : 0);
  });

  test('/healthz and /readyz answer 200; other paths and methods 404', async () => {
    for (const path of ['/healthz', '/readyz']) assert.equal((await fetch(`${url}${path}`)).status, 200, path);
    assert.equal((await fetch(`${url}/nothing`)).status, 404);
    assert.equal((await fetch(`${url}/metrics`, { method: 'POST' })).status, 404);
    const res = await fetch(`${url}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  });

  test('every produced message and byte is counted once, whichever worker owns the partition, however often scraped', async () => {
    await produceEach(producer, PER_PARTITION, 'a');
    // scrapes in parallel and in a row: the counts are cumulative, never added twice
    const scrapes = await Promise.all([scrape(url), scrape(url), scrape(url)]);
    const m = await scrape(url);
    for (const s of [...scrapes, m]) assert.equal(total(s, 'samsa_topic_messages_in_total', { topic: TOPIC }), PARTITIONS * PER_PARTITION);
    const offsets = select(m, 'samsa_partition_log_end_offset', { topic: TOPIC });
    assert.equal(offsets.length, PARTITIONS);
    for (const o of offsets) assert.equal(o.value, PER_PARTITION, `partition ${o.labels.partition}`);
    assert.equal(total(m, 'samsa_partition_log_start_offset', { topic: TOPIC }), 0);
    assert.deepEqual(select(m, 'samsa_partition_log_segments', { topic: TOPIC }).map((s) => s.value), new Array(PARTITIONS).fill(1));
    // a fresh topic: every byte appended is a byte of its logs
    const size = total(m, 'samsa_partition_log_size_bytes', { topic: TOPIC });
    assert.ok(size > 0);
    assert.equal(total(m, 'samsa_topic_bytes_in_total', { topic: TOPIC }), size);
    assert.equal(total(m, 'samsa_topic_log_size_bytes', { topic: TOPIC }), size);
    // the partitions are spread over the four workers, and each reports
    assert.equal(select(m, 'samsa_worker_busy_seconds_total').length, 4);
    assert.equal(select(m, 'samsa_worker_queue_depth').length, 4);
    for (const s of select(m, 'samsa_worker_tasks_total')) assert.ok(s.value > 0, `worker ${s.labels.worker} ran tasks`);
    assert.ok(total(m, 'samsa_partitions') >= PARTITIONS);
    assert.equal(total(m, 'samsa_recovery_partitions', { state: 'total' }), 0, 'a fresh broker recovered nothing');
    assert.equal(total(m, 'samsa_ready'), 1);
  });

  test('requests by api and version, with their latency; errors by Kafka name', async () => {
    const before = await scrape(url);
    const client = await RawClient.open(broker.bootstrap);
    try {
      const r = await client.metadata(['no-such-topic'], 12) as { topics: { errorCode: number }[] };
      assert.equal(r.topics[0]!.errorCode, 3);
      await client.metadata([TOPIC], 12);
    } finally {
      await client.close();
    }
    const m = await scrape(url);
    const grew = (name: string, labels: Record<string, string>): number => total(m, name, labels) - total(before, name, labels);
    assert.equal(grew('samsa_requests_total', { api: 'Metadata', version: '12' }), 2);
    assert.equal(grew('samsa_request_errors_total', { api: 'Metadata', version: '12', error: 'UNKNOWN_TOPIC_OR_PARTITION' }), 1);
    assert.equal(grew('samsa_request_duration_seconds_count', { api: 'Metadata', version: '12' }), 2);
    assert.equal(total(m, 'samsa_request_duration_seconds_bucket', { api: 'Metadata', version: '12', le: '+Inf' }), total(m, 'samsa_requests_total', { api: 'Metadata', version: '12' }));
    assert.ok(total(m, 'samsa_requests_total', { api: 'Produce' }) >= PARTITIONS);
    // the connection just closed is counted both ways
    assert.ok(grew('samsa_connections_opened_total', {}) >= 1);
    assert.ok(grew('samsa_connections_closed_total', {}) >= 1);
    assert.equal(total(m, 'samsa_connections_opened_total') - total(m, 'samsa_connections_closed_total'), total(m, 'samsa_connections_open'));
    // a request the broker refuses closes the connection and is counted under the api
    const frame = encodeRequest(ApiKey.Metadata, 12, 1, { topics: null, allowAutoTopicCreation: false });
    frame.writeInt16BE(99, 6); // the header's api version
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(broker.port, '127.0.0.1', () => socket.write(frame));
      socket.on('error', reject);
      socket.on('close', () => resolve());
      socket.resume();
    });
    const after = await scrape(url);
    assert.equal(total(after, 'samsa_request_errors_total', { api: 'Metadata', version: 'unsupported', error: 'UNSUPPORTED_VERSION' }), 1);
  });

  test('consumer-group lag per partition and per topic: log end offset minus the committed offset', async () => {
    const kafka = kafkaFor(broker);
    const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    let seen = 0;
    await consumer.run({ autoCommitInterval: 100, eachMessage: async () => { seen++; } });
    await eventually('every message consumed', async () => (seen >= PARTITIONS * PER_PARTITION ? true : undefined), 30_000);
    await eventually('offsets committed at the log end', async () => {
      const m = await scrape(url);
      const lags = select(m, 'samsa_consumer_group_partition_lag', { group: GROUP, topic: TOPIC });
      return lags.length === PARTITIONS && lags.every((l) => l.value === 0) ? true : undefined;
    }, 20_000);
    const read = await scrape(url);
    assert.equal(total(read, 'samsa_consumer_group_members', { group: GROUP }), 1);
    const firstRound = total(read, 'samsa_topic_bytes_in_total', { topic: TOPIC });
    await consumer.disconnect();
    await produceEach(producer, 3, 'b');
    const m = await scrape(url);
    for (const l of select(m, 'samsa_consumer_group_partition_lag', { group: GROUP, topic: TOPIC })) assert.equal(l.value, 3, `partition ${l.labels.partition}`);
    assert.equal(total(m, 'samsa_consumer_group_topic_lag', { group: GROUP, topic: TOPIC }), 3 * PARTITIONS);
    assert.equal(total(m, 'samsa_consumer_group_members', { group: GROUP }), 0);
    // what the consumer read went out in fetch responses: at least every byte of the first round
    assert.ok(total(m, 'samsa_topic_bytes_out_total', { topic: TOPIC }) >= firstRound, `${total(m, 'samsa_topic_bytes_out_total', { topic: TOPIC })} >= ${firstRound}`);
  });

  test('the exposition passes promtool check metrics (samsa\'s series)', { skip: spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status !== 0 && process.env.CI !== 'true' ? 'needs promtool (Debian prometheus)' : false }, async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const r = await runCommand('promtool', ['check', 'metrics'], { input: text });
    // prom-client's own nodejs_active_*_total gauges draw lint warnings; samsa's series must draw none
    const problems = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.startsWith('samsa_'));
    assert.deepEqual(problems, []);
    assert.ok(!/error/i.test(r.stderr), r.stderr);
  });
});

describe('metrics switches and fallbacks', () => {
  test('samsa.metrics.partition.series=false: no per-partition series, topic series stay', async () => {
    const broker = await BrokerProcess.start({ overrides: { 'samsa.metrics.partition.series': false } });
    try {
      const client = await RawClient.open(broker.bootstrap);
      await client.request(ApiKey.Metadata, 12, { topics: [{ topicId: ZERO_UUID, name: 'auto-made' }], allowAutoTopicCreation: true });
      await client.close();
      const m: Sample[] = await eventually('the topic is there', async () => {
        const s = await scrape(broker.metricsUrl!);
        return select(s, 'samsa_topic_log_size_bytes', { topic: 'auto-made' }).length === 1 ? s : undefined;
      });
      assert.deepEqual(m.filter((s) => s.name.startsWith('samsa_partition_') || s.name === 'samsa_consumer_group_partition_lag'), []);
    } finally {
      await broker.dispose();
    }
  });

  test('without the native uWebSockets.js binary: node:http, and one warning line that says so', async () => {
    // the package's own switch makes it load its JavaScript fallback, as a missing binary does
    const broker = await BrokerProcess.start({ env: { UWS_USE_FALLBACK: 'true' } });
    try {
      const started = JSON.parse(broker.output.find((l) => l.includes('samsa started'))!) as Record<string, unknown>;
      assert.equal(started.httpServer, 'node:http');
      const warnings = broker.output.filter((l) => /uWebSockets|µWS|fallback/i.test(l) && !l.includes('samsa started'));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /"level":40/);
      assert.match(warnings[0]!, /falls back to node:http/);
      const url = broker.metricsUrl!;
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      assert.ok(select(await scrape(url), 'samsa_ready').length === 1);
    } finally {
      await broker.dispose();
    }
  });

  test('metrics.listener on a port already taken stops start-up with a message naming the key', async () => {
    const port = await freePort();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', () => resolve()));
    try {
      await assert.rejects(BrokerProcess.start({ overrides: { 'metrics.listener': `http://127.0.0.1:${port}` } }), /metrics\.listener/);
    } finally {
      holder.close();
    }
  });

  test('metrics.listener empty: no HTTP listener at all', async () => {
    const broker = await BrokerProcess.start({ overrides: { 'metrics.listener': '' } });
    try {
      assert.equal(broker.metricsUrl, null);
      assert.match(broker.output.find((l) => l.includes('samsa started'))!, /"metricsListener":null/);
    } finally {
      await broker.dispose();
    }
  });
});

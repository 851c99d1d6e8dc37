// The Grafana dashboards (grafana/dashboards/*.json) proven against a real Prometheus: Debian's
// prometheus scrapes a running Samsa every second while kafkajs and kcat (librdkafka) produce,
// two consumer groups read (one keeps up, one stops and falls behind), and then every PromQL
// expression of every panel, with Grafana's variables set as Grafana sets them for "All", must
// return data (at least one series with a number), and every template variable must find values.
// Also: the dashboards are what grafana/generate.mjs makes, and the provisioning files name them.
//
// SAMSA_DASHBOARD_SNAPSHOT=<file> also writes the overview dashboard's series over the run (range
// queries) to that file for grafana/render-snapshot.mjs, the README's picture;
// SAMSA_DASHBOARD_LOAD_MS sets how long the load runs (default 15 s).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { BrokerProcess, runCommand } from '../helpers/broker.js';
import { eventually, repoPath, requireKcat } from '../helpers/clients.js';
import { PrometheusProcess, requirePrometheus } from '../helpers/prometheus.js';
import { RawClient } from '../helpers/raw-client.js';
import { kafkaClient } from '../helpers/kafkajs.js';

const { Partitioners } = kafkajs;

const skip = requirePrometheus();
const LOAD_MS = Number(process.env.SAMSA_DASHBOARD_LOAD_MS ?? 15_000);
/** What Grafana makes of $__rate_interval with the provisioned datasource's 15 s scrape interval. */
const RATE_INTERVAL = '1m';

interface Target { expr: string; legendFormat?: string }
interface Panel { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets: Target[]; fieldConfig: { defaults: { unit?: string } } }
interface Variable { name: string; type: string; query: string | { query: string } }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: Variable[] } }

function dashboards(): Array<[string, Dashboard]> {
  const dir = repoPath('grafana/dashboards');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => [f, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Dashboard]);
}

/** An expression as Grafana sends it with every variable at "All" (allValue .*). */
function expand(expr: string, rateInterval = RATE_INTERVAL): string {
  return expr.replace(/\$__rate_interval|\$\{__rate_interval\}/g, rateInterval).replace(/\$\{?(instance|topic|group)\}?/g, '.*');
}

test('the dashboards are what grafana/generate.mjs makes; the provisioning files point at them', async () => {
  const r = await runCommand(process.execPath, [repoPath('grafana/generate.mjs'), '--check']);
  assert.equal(r.code, 0, r.stderr);
  const files = dashboards().map(([f]) => f);
  assert.deepEqual(files, ['samsa-consumer-groups.json', 'samsa-internals.json', 'samsa-overview.json', 'samsa-topics.json']);
  for (const [file, d] of dashboards()) {
    assert.equal(`${d.uid}.json`, file);
    assert.ok(d.panels.length >= 8, `${file}: ${d.panels.length} panels`);
    assert.deepEqual(d.templating.list.map((v) => v.name).slice(0, 2), ['datasource', 'instance']);
  }
  assert.match(fs.readFileSync(repoPath('grafana/provisioning/datasources/samsa-prometheus.yaml'), 'utf8'), /type: prometheus/);
  assert.match(fs.readFileSync(repoPath('grafana/provisioning/dashboards/samsa.yaml'), 'utf8'), /type: file/);
});

describe('every dashboard panel returns data from a real Prometheus scraping a loaded Samsa', { skip }, () => {
  let broker: BrokerProcess;
  let prometheus: PrometheusProcess;
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];
  let loadStart = 0;
  let loadEnd = 0;

  before(async () => {
    broker = await BrokerProcess.start({ overrides: { 'group.initial.rebalance.delay.ms': 0, 'auto.create.topics.enable': false } });
    const metrics = new URL(broker.metricsUrl!);
    prometheus = await PrometheusProcess.start([metrics.host]);
    const kafka = kafkaClient(broker.bootstrap, 'samsa-dashboards');
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        // orders roll small segments; payments fsync every append (flush.messages=1)
        { topic: 'orders', numPartitions: 4, configEntries: [{ name: 'segment.bytes', value: '65536' }] },
        { topic: 'payments', numPartitions: 2, configEntries: [{ name: 'flush.messages', value: '1' }] },
      ],
    });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();

    const billing = kafka.consumer({ groupId: 'billing', sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 500 });
    const audit = kafka.consumer({ groupId: 'audit', sessionTimeout: 10_000, heartbeatInterval: 500 });
    consumers.push(billing, audit);
    for (const [c, topics] of [[billing, ['orders']], [audit, ['orders', 'payments']]] as const) {
      await c.connect();
      await c.subscribe({ topics: [...topics], fromBeginning: true });
      await c.run({ autoCommitInterval: 200, eachMessage: async () => {} });
    }

    loadStart = Date.now() / 1000;
    const body = 'x'.repeat(200);
    let n = 0;
    const deadline = Date.now() + LOAD_MS;
    let auditStopped = false;
    while (Date.now() < deadline) {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [
          { topic: 'orders', messages: Array.from({ length: 20 }, () => ({ key: `order-${n % 50}`, value: `${n++}:${body}` })) },
          { topic: 'payments', messages: Array.from({ length: 5 }, () => ({ key: `payment-${n % 20}`, value: `${n++}:${body}` })) },
        ],
      });
      // halfway, the audit group stops reading: its lag grows from then on
      if (!auditStopped && Date.now() > deadline - LOAD_MS / 2) {
        auditStopped = true;
        await audit.disconnect();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // librdkafka too, and a request answered with an error code (a topic that does not exist)
    if (requireKcat() === false) {
      const r = await runCommand('kcat', ['-b', broker.bootstrap, '-P', '-t', 'payments', '-X', 'acks=all'], { input: Array.from({ length: 100 }, (_, i) => `kcat-${i}`).join('\n') });
      assert.equal(r.code, 0, r.stderr);
    }
    const raw = await RawClient.open(broker.bootstrap);
    await raw.metadata(['no-such-topic']);
    await raw.close();
    loadEnd = Date.now() / 1000;
    // Prometheus has scraped the broker since the load began, and once more after it
    await eventually('prometheus scraped the load', async () => {
      const [up] = await prometheus.query('count_over_time(up{job="samsa"}[1m])');
      const [last] = await prometheus.query('timestamp(samsa_ready{job="samsa"})');
      return up !== undefined && Number(up.value![1]) >= 5 && last !== undefined && Number(last.value![1]) > loadEnd ? true : undefined;
    }, 30_000, 500);
  });

  after(async () => {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    await producer?.disconnect();
    await admin?.disconnect();
    await prometheus?.stop();
    await broker?.dispose();
  });

  test('Prometheus scrapes the broker: up == 1', async () => {
    const [up] = await prometheus.query('up{job="samsa"}');
    assert.equal(up?.value?.[1], '1', prometheus.output.join('\n'));
  });

  for (const [file, dashboard] of dashboards()) {
    test(`${dashboard.title} (${file}): every panel's every expression returns data`, async () => {
      const empty: string[] = [];
      let checked = 0;
      for (const panel of dashboard.panels) {
        for (const target of panel.targets) {
          const expr = expand(target.expr);
          const result = await prometheus.query(expr);
          checked++;
          const numbers = result.filter((s) => Number.isFinite(Number(s.value![1])));
          if (numbers.length === 0) empty.push(`"${panel.title}": ${expr} -> ${JSON.stringify(result)}`);
        }
      }
      assert.ok(checked >= dashboard.panels.length);
      assert.deepEqual(empty, [], `panels without data:\n${empty.join('\n')}`);
    });

    test(`${dashboard.title} (${file}): every template variable finds values`, async () => {
      for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
        const query = typeof v.query === 'string' ? v.query : v.query.query;
        const m = /^label_values\((.*),\s*(\w+)\)$/.exec(query);
        assert.ok(m !== null, `${v.name}: ${query} is label_values(selector, label)`);
        const values = await prometheus.labelValues(m[2]!, expand(m[1]!));
        assert.ok(values.length > 0, `${v.name}: ${query} found nothing`);
      }
    });
  }

  test('what the dashboards show is what happened: traffic in both topics, billing caught up, audit behind', async () => {
    const value = async (expr: string): Promise<number> => Number((await prometheus.query(expr))[0]?.value?.[1] ?? NaN);
    assert.ok(await value('sum(samsa_topic_messages_in_total{topic="orders"})') > 0);
    assert.ok(await value('sum(samsa_topic_bytes_out_total{topic="orders"})') > 0);
    assert.ok(await value('sum(increase(samsa_log_fsync_duration_seconds_count[1m]))') > 0);
    assert.ok(await value('sum(samsa_consumer_group_topic_lag{group="audit"})') > 0);
    assert.ok(await value('max(samsa_partition_log_segments{topic="orders"})') > 1, 'orders rolled segments');
  });

  test('snapshot of the overview dashboard for the README picture (SAMSA_DASHBOARD_SNAPSHOT)', { skip: process.env.SAMSA_DASHBOARD_SNAPSHOT === undefined }, async () => {
    const [, overview] = dashboards().find(([f]) => f === 'samsa-overview.json')!;
    const end = Date.now() / 1000;
    const start = loadStart - 10;
    const step = Math.max(1, Math.round((end - start) / 240));
    const panels = [];
    for (const p of overview.panels) {
      const series = [];
      for (const t of p.targets) {
        for (const s of await prometheus.queryRange(expand(t.expr, '10s'), start, end, step)) {
          const legend = (t.legendFormat ?? '').replace(/\{\{(\w+)\}\}/g, (_, k: string) => s.metric[k] ?? '');
          series.push({ legend: legend === '__auto' || legend === '' ? JSON.stringify(s.metric) : legend, values: s.values!.map(([ts, v]) => [ts, Number(v)]) });
        }
      }
      panels.push({ title: p.title, type: p.type, unit: p.fieldConfig.defaults.unit ?? 'none', gridPos: p.gridPos, series });
    }
    fs.writeFileSync(process.env.SAMSA_DASHBOARD_SNAPSHOT!, JSON.stringify({ title: overview.title, start, end, loadStart, loadEnd, panels }));
  });
});

#!/usr/bin/env node
// Writes the Grafana dashboards of grafana/dashboards/ from the panel lists below (one place for
// the layout, the datasource and the template variables), so the four stay alike.
// `node grafana/generate.mjs` rewrites them; `--check` only says whether they are up to date
// (test/grafana/dashboards.test.ts runs it).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboards');
const DS = { type: 'prometheus', uid: '${datasource}' };
const I = 'instance=~"$instance"';
const R = '$__rate_interval';

// --- panels: a timeseries (ts) or a stat, w x h in Grafana's 24-column grid ---

function ts(title, description, unit, targets, { w = 12, h = 8, stack = false, min = undefined } = {}) {
  return {
    type: 'timeseries', title, description, w, h,
    fieldConfig: {
      defaults: {
        unit, ...(min === undefined ? {} : { min }),
        custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: stack ? 30 : 10, showPoints: 'never', spanNulls: true, stacking: { mode: stack ? 'normal' : 'none', group: 'A' } },
      },
      overrides: [],
    },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets,
  };
}

function stat(title, description, unit, expr, { w = 4, h = 4, thresholds = null, decimals = undefined } = {}) {
  return {
    type: 'stat', title, description, w, h,
    fieldConfig: {
      defaults: {
        unit, ...(decimals === undefined ? {} : { decimals }),
        thresholds: thresholds ?? { mode: 'absolute', steps: [{ color: 'green', value: null }] },
        color: { mode: 'thresholds' },
      },
      overrides: [],
    },
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area', textMode: 'auto', justifyMode: 'auto', orientation: 'auto' },
    targets: [{ expr, legendFormat: '__auto' }],
  };
}

const q = (expr, legendFormat) => ({ expr, legendFormat });

// --- template variables ---

const datasourceVar = { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1, options: [] };
function queryVar(name, label, query) {
  return {
    name, label, type: 'query', datasource: DS, definition: query, query: { query, refId: `${name}-variable` },
    refresh: 2, includeAll: true, multi: true, allValue: '.*', current: { selected: true, text: ['All'], value: ['$__all'] }, sort: 1, hide: 0, options: [],
  };
}
const instanceVar = queryVar('instance', 'Broker', 'label_values(samsa_broker_info, instance)');
const topicVar = queryVar('topic', 'Topic', `label_values(samsa_topic_log_size_bytes{${I}}, topic)`);
const groupVar = queryVar('group', 'Consumer group', `label_values(samsa_consumer_group_members{${I}}, group)`);

function dashboard(uid, title, description, variables, panels) {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const laid = panels.map((p, i) => {
    if (x + p.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const { w, h, ...rest } = p;
    const panel = { id: i + 1, datasource: DS, gridPos: { x, y, w, h }, ...rest, targets: rest.targets.map((t, j) => ({ datasource: DS, refId: String.fromCharCode(65 + j), range: true, ...t })) };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return panel;
  });
  return {
    uid, title, description, tags: ['samsa', 'kafka'], editable: true, graphTooltip: 1, timezone: 'browser',
    time: { from: 'now-1h', to: 'now' }, refresh: '30s', schemaVersion: 39, version: 1,
    annotations: { list: [] },
    links: [{ type: 'dashboards', tags: ['samsa'], asDropdown: true, title: 'Samsa dashboards', includeVars: true, keepTime: true }],
    templating: { list: [datasourceVar, instanceVar, ...variables] },
    panels: laid,
  };
}

const red = (value) => ({ mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value }] });
const amber = (a, r) => ({ mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: a }, { color: 'red', value: r }] });

const DASHBOARDS = {
  'samsa-overview.json': dashboard('samsa-overview', 'Samsa / Broker overview',
    'Is the broker healthy, how much does it move, is any consumer group falling behind.', [], [
      stat('Ready', '1 once recovery is done and the listeners are open (/readyz).', 'none', `min(samsa_ready{${I}})`, { thresholds: red(1) }),
      stat('Uptime', 'Since the broker process started.', 's', `min(time() - process_start_time_seconds{${I}})`),
      stat('Connections', 'Client connections open now.', 'none', `sum(samsa_connections_open{${I}})`),
      stat('Requests / s', 'All requests, all apis.', 'reqps', `sum(rate(samsa_requests_total{${I}}[${R}]))`),
      stat('Error responses', 'Share of requests whose response carried an error code.', 'percentunit',
        `sum(rate(samsa_request_errors_total{${I}}[${R}])) / clamp_min(sum(rate(samsa_requests_total{${I}}[${R}])), 1e-9)`, { thresholds: amber(0.01, 0.05) }),
      stat('Largest group lag', 'The most messages any consumer group is behind on one topic.', 'none', `max(samsa_consumer_group_topic_lag{${I}})`, { thresholds: amber(1000, 100000) }),
      ts('Bytes in and out', 'Record bytes appended by Produce and sent in Fetch responses.', 'Bps', [
        q(`sum(rate(samsa_topic_bytes_in_total{${I}}[${R}]))`, 'in'),
        q(`sum(rate(samsa_topic_bytes_out_total{${I}}[${R}]))`, 'out'),
      ]),
      ts('Messages in', 'Records appended by Produce.', 'short', [q(`sum(rate(samsa_topic_messages_in_total{${I}}[${R}]))`, 'messages / s')]),
      ts('Requests by api', 'Requests per second, by api.', 'reqps', [q(`sum by (api) (rate(samsa_requests_total{${I}}[${R}]))`, '{{api}}')], { stack: true }),
      ts('Request latency p99 by api', 'From request read to response ready; a fetch long poll waits up to its max_wait_ms.', 's',
        [q(`histogram_quantile(0.99, sum by (le, api) (rate(samsa_request_duration_seconds_bucket{${I}}[${R}])))`, '{{api}}')]),
      ts('Error responses by api and error', 'Requests whose response carried an error code, by its Kafka name.', 'reqps',
        [q(`sum by (api, error) (rate(samsa_request_errors_total{${I}}[${R}]))`, '{{api}} {{error}}')]),
      ts('Consumer group lag', 'Messages each group is behind, per topic.', 'none', [q(`sum by (group, topic) (samsa_consumer_group_topic_lag{${I}})`, '{{group}} / {{topic}}')]),
      ts('Connections', 'Open, and opened and closed per second.', 'short', [
        q(`sum(samsa_connections_open{${I}})`, 'open'),
        q(`sum(rate(samsa_connections_opened_total{${I}}[${R}]))`, 'opened / s'),
        q(`sum(rate(samsa_connections_closed_total{${I}}[${R}]))`, 'closed / s'),
      ], { w: 8 }),
      ts('Event-loop lag (main thread)', 'prom-client\'s event-loop delay percentiles.', 's', [
        q(`max(nodejs_eventloop_lag_p99_seconds{${I}})`, 'p99'),
        q(`max(nodejs_eventloop_lag_p50_seconds{${I}})`, 'p50'),
      ], { w: 8 }),
      ts('Memory', 'Resident set and the main thread\'s heap.', 'bytes', [
        q(`sum(process_resident_memory_bytes{${I}})`, 'resident'),
        q(`sum(nodejs_heap_size_used_bytes{${I}})`, 'heap used (main)'),
        q(`sum(samsa_worker_heap_used_bytes{${I}})`, 'heap used (workers)'),
      ], { w: 8 }),
    ]),

  'samsa-topics.json': dashboard('samsa-topics', 'Samsa / Topics and partitions',
    'Traffic per topic; offsets, sizes and segments per partition (unless samsa.metrics.partition.series=false).', [topicVar], [
      ts('Bytes in by topic', 'Record bytes appended by Produce.', 'Bps', [q(`sum by (topic) (rate(samsa_topic_bytes_in_total{${I}, topic=~"$topic"}[${R}]))`, '{{topic}}')], { w: 8 }),
      ts('Bytes out by topic', 'Record bytes sent in Fetch responses.', 'Bps', [q(`sum by (topic) (rate(samsa_topic_bytes_out_total{${I}, topic=~"$topic"}[${R}]))`, '{{topic}}')], { w: 8 }),
      ts('Messages in by topic', 'Records appended by Produce.', 'short', [q(`sum by (topic) (rate(samsa_topic_messages_in_total{${I}, topic=~"$topic"}[${R}]))`, '{{topic}}')], { w: 8 }),
      ts('Log size by topic', 'Bytes of all the topic\'s segments.', 'bytes', [q(`sum by (topic) (samsa_topic_log_size_bytes{${I}, topic=~"$topic"})`, '{{topic}}')]),
      ts('Partitions by size', 'The largest partitions.', 'bytes', [q(`topk(10, samsa_partition_log_size_bytes{${I}, topic=~"$topic"})`, '{{topic}}-{{partition}}')]),
      ts('Log end offset', 'Per partition (the high watermark: one broker is the whole ISR).', 'short', [q(`samsa_partition_log_end_offset{${I}, topic=~"$topic"}`, '{{topic}}-{{partition}}')]),
      ts('Log start offset', 'Per partition; moves with retention and DeleteRecords.', 'short', [q(`samsa_partition_log_start_offset{${I}, topic=~"$topic"}`, '{{topic}}-{{partition}}')]),
      ts('Appends per partition', 'Messages appended per second, per partition (from the log end offset).', 'short',
        [q(`rate(samsa_partition_log_end_offset{${I}, topic=~"$topic"}[${R}])`, '{{topic}}-{{partition}}')]),
      ts('Segments', 'Segments per topic.', 'short', [q(`sum by (topic) (samsa_partition_log_segments{${I}, topic=~"$topic"})`, '{{topic}}')]),
    ]),

  'samsa-consumer-groups.json': dashboard('samsa-consumer-groups', 'Samsa / Consumer group lag',
    'Which consumer group is falling behind: log end offset minus committed offset.', [groupVar, topicVar], [
      stat('Groups', 'Consumer groups the coordinator knows.', 'none', `count(samsa_consumer_group_members{${I}, group=~"$group"})`),
      stat('Members', 'Members of the selected groups.', 'none', `sum(samsa_consumer_group_members{${I}, group=~"$group"})`),
      stat('Total lag', 'Messages behind, all selected groups and topics.', 'none', `sum(samsa_consumer_group_topic_lag{${I}, group=~"$group", topic=~"$topic"})`, { thresholds: amber(1000, 100000) }),
      stat('Partitions behind', 'Partitions where a selected group has messages left to read.', 'none',
        `count(samsa_consumer_group_partition_lag{${I}, group=~"$group", topic=~"$topic"} > 0) or vector(0)`, { w: 6 }),
      stat('Largest partition lag', 'The most messages a selected group is behind on one partition.', 'none',
        `max(samsa_consumer_group_partition_lag{${I}, group=~"$group", topic=~"$topic"})`, { w: 6, thresholds: amber(1000, 100000) }),
      ts('Lag by group and topic', 'Messages behind.', 'none', [q(`sum by (group, topic) (samsa_consumer_group_topic_lag{${I}, group=~"$group", topic=~"$topic"})`, '{{group}} / {{topic}}')], { w: 24, h: 9 }),
      ts('Lag by partition', 'Messages behind, per partition the group has committed offsets for.', 'none',
        [q(`samsa_consumer_group_partition_lag{${I}, group=~"$group", topic=~"$topic"}`, '{{group}} / {{topic}}-{{partition}}')]),
      ts('Lag trend', 'Change of each group\'s lag per second: above 0 it falls behind.', 'short',
        [q(`sum by (group) (deriv(samsa_consumer_group_topic_lag{${I}, group=~"$group", topic=~"$topic"}[${R}]))`, '{{group}}')]),
      ts('Members by group', 'Members of each group.', 'none', [q(`samsa_consumer_group_members{${I}, group=~"$group"}`, '{{group}}')]),
      ts('Group requests', 'Coordinator requests per second, by api.', 'reqps',
        [q(`sum by (api) (rate(samsa_requests_total{${I}, api=~"JoinGroup|SyncGroup|Heartbeat|LeaveGroup|OffsetCommit|OffsetFetch|ConsumerGroupHeartbeat"}[${R}]))`, '{{api}}')]),
    ]),

  'samsa-internals.json': dashboard('samsa-internals', 'Samsa / Workers and internals',
    'The shard workers, the fetch purgatory, fsync, the event loop, heap and GC.', [], [
      ts('Worker queue depth', 'Tasks given to each shard worker and not finished (the running one included).', 'short',
        [q(`samsa_worker_queue_depth{${I}}`, 'worker {{worker}}')], { w: 8 }),
      ts('Worker busy', 'Share of time each shard worker spends running tasks.', 'percentunit',
        [q(`rate(samsa_worker_busy_seconds_total{${I}}[${R}])`, 'worker {{worker}}')], { w: 8, min: 0 }),
      ts('Worker tasks', 'Tasks per second, per shard worker.', 'ops', [q(`rate(samsa_worker_tasks_total{${I}}[${R}])`, 'worker {{worker}}')], { w: 8 }),
      ts('In-flight requests and waiting long polls', 'Requests read and not yet answered; fetches parked in the purgatory.', 'short', [
        q(`sum(samsa_requests_in_flight{${I}})`, 'in flight'),
        q(`sum(samsa_fetch_long_polls_waiting{${I}})`, 'long polls waiting'),
      ], { w: 8 }),
      ts('fsync latency', 'fdatasync of a segment and its indexes (roll, flush.messages, shutdown).', 's', [
        q(`histogram_quantile(0.99, sum by (le) (rate(samsa_log_fsync_duration_seconds_bucket{${I}}[${R}])))`, 'p99'),
        q(`histogram_quantile(0.5, sum by (le) (rate(samsa_log_fsync_duration_seconds_bucket{${I}}[${R}])))`, 'p50'),
      ], { w: 8 }),
      ts('fsyncs', 'fdatasyncs per second, all workers.', 'ops', [q(`sum(rate(samsa_log_fsync_duration_seconds_count{${I}}[${R}]))`, 'fsyncs / s')], { w: 8 }),
      ts('Event-loop lag (main thread)', 'Percentiles of the event-loop delay.', 's', [
        q(`max(nodejs_eventloop_lag_p99_seconds{${I}})`, 'p99'),
        q(`max(nodejs_eventloop_lag_p90_seconds{${I}})`, 'p90'),
        q(`max(nodejs_eventloop_lag_p50_seconds{${I}})`, 'p50'),
      ], { w: 8 }),
      ts('GC time', 'Share of time in garbage collection, by kind (main thread).', 'percentunit',
        [q(`sum by (kind) (rate(nodejs_gc_duration_seconds_sum{${I}}[${R}]))`, '{{kind}}')], { w: 8, stack: true }),
      ts('Heap', 'V8 heap of the main thread and of each shard worker.', 'bytes', [
        q(`sum(nodejs_heap_size_used_bytes{${I}})`, 'main used'),
        q(`sum(nodejs_heap_size_total_bytes{${I}})`, 'main total'),
        q(`samsa_worker_heap_used_bytes{${I}}`, 'worker {{worker}} used'),
      ], { w: 8 }),
      ts('CPU', 'Process CPU, all threads, in cores.', 'short', [
        q(`sum(rate(process_cpu_user_seconds_total{${I}}[${R}]))`, 'user'),
        q(`sum(rate(process_cpu_system_seconds_total{${I}}[${R}]))`, 'system'),
      ], { w: 8, stack: true }),
      ts('Open file descriptors', 'Segments, indexes and sockets.', 'short', [q(`sum(process_open_fds{${I}})`, 'open fds')], { w: 8 }),
      stat('Recovery at start-up', 'How long the last start-up took to recover the partition logs.', 's', `max(samsa_recovery_duration_seconds{${I}})`, { w: 8, h: 8, decimals: 2 }),
    ]),
};

const check = process.argv.includes('--check');
let stale = 0;
fs.mkdirSync(OUT, { recursive: true });
for (const [file, d] of Object.entries(DASHBOARDS)) {
  const text = `${JSON.stringify(d, null, 2)}\n`;
  const target = path.join(OUT, file);
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
  if (current === text) continue;
  stale++;
  if (check) console.error(`${path.relative(process.cwd(), target)} is not what grafana/generate.mjs makes; run it`);
  else fs.writeFileSync(target, text);
}
if (check && stale > 0) process.exit(1);

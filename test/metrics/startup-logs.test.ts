// Start-up as an operator sees it: the one "samsa started" line (listeners, log dirs, workers,
// recovery time), a long recovery's progress lines and /readyz answering 503 until recovery is
// done and the listeners are open, log.format=pretty (pino-pretty, one line per entry) and
// log.level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrokerProcess, freePort } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/messages/index.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const PARTITIONS = 640;

test('a long recovery logs its progress, and /readyz answers 503 until it is done and the listeners are open', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-test-'));
  try {
    const first = await BrokerProcess.start({ dataDir, overrides: { 'samsa.worker.threads': 1 } });
    const client = await RawClient.open(first.bootstrap);
    const created = await client.request(ApiKey.CreateTopics, 7, {
      topics: [{ name: 'many', numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 60_000, validateOnly: false,
    }) as { topics: { errorCode: number }[] };
    assert.equal(created.topics[0]!.errorCode, 0);
    await client.close();
    await first.stop();

    // again, on a known metrics port, polling /readyz from the moment the process starts
    const port = await freePort();
    const metricsPort = await freePort();
    const proc = spawn(process.execPath, [MAIN, ...[
      `listeners=PLAINTEXT://127.0.0.1:${port}`, `log.dirs=${dataDir}`, 'samsa.worker.threads=1',
      `metrics.listener=http://127.0.0.1:${metricsPort}`, 'samsa.recovery.progress.interval.ms=0',
    ].flatMap((kv) => ['--override', kv])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const answers: { status: number; body: string }[] = [];
    try {
      while (!out.includes('samsa started') && proc.exitCode === null) {
        try {
          const res = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
          answers.push({ status: res.status, body: await res.text() });
        } catch { /* not listening yet */ }
        await new Promise((r) => setTimeout(r, 5));
      }
      const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(await ready.text(), 'ready\n');
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    // 503 while recovering (never 200 before the start-up line), then 200
    const statuses = answers.map((a) => a.status);
    assert.ok(statuses.includes(503), `a 503 while recovering: ${statuses.join(',')}`);
    assert.ok(statuses.every((s, i) => s === 503 || statuses.slice(i).every((t) => t === 200)), statuses.join(','));
    for (const a of answers.filter((x) => x.status === 503)) assert.match(a.body, /^not ready: recovered \d+ of \d+ partitions\n$/);

    const lines = out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const progress = lines.filter((l) => String(l.msg).startsWith('recovering partition logs'));
    assert.ok(progress.length >= 2, `progress lines: ${progress.length}`);
    const done = progress.map((p) => p.partitions as number);
    assert.deepEqual(done, [...done].sort((a, b) => a - b), 'progress only goes forward');
    for (const p of progress) {
      assert.ok((p.of as number) >= PARTITIONS);
      assert.equal(typeof p.scannedBytes, 'number');
      assert.equal(typeof p.elapsedMs, 'number');
    }
    const started = lines.find((l) => l.msg === 'samsa started')!;
    assert.ok((started.partitions as number) >= PARTITIONS);
    assert.equal(typeof started.recoveryMs, 'number');
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('log.format=pretty prints human-readable lines, the start-up line as one; log.level=warn hides info', async () => {
  const pretty = await BrokerProcess.start({ overrides: { 'log.format': 'pretty' } });
  try {
    const line = pretty.output.find((l) => l.includes('samsa started'))!;
    assert.ok(!line.startsWith('{'), line);
    assert.match(line, /INFO.*samsa started/);
    for (const part of [`PLAINTEXT://127.0.0.1:${pretty.port}`, pretty.dataDir, '"workers":2', '"recoveryMs":']) assert.ok(line.includes(part), `${part} in ${line}`);
    assert.match(line, /"metricsListener":"http:\/\/127\.0\.0\.1:\d+"/);
  } finally {
    await pretty.dispose();
  }
  // log.level=warn: no info line at all, 'samsa started' included; wait for the port instead
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-test-'));
  const port = await freePort();
  const quiet = spawn(process.execPath, [MAIN, ...[`listeners=PLAINTEXT://127.0.0.1:${port}`, `log.dirs=${dataDir}`, 'log.level=warn', 'metrics.listener=']
    .flatMap((kv) => ['--override', kv])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  quiet.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  try {
    let client: RawClient | null = null;
    for (let i = 0; client === null && i < 300; i++) {
      client = await RawClient.connect('127.0.0.1', port).catch(async () => {
        await new Promise((r) => setTimeout(r, 50));
        return null;
      });
    }
    assert.ok(client !== null, 'the broker listens');
    await client.metadata(null);
    await client.close();
    assert.deepEqual(out.split('\n').filter((l) => l.includes('"level":30')), []);
  } finally {
    quiet.kill('SIGTERM');
    await new Promise((r) => quiet.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

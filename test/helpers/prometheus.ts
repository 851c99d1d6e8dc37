// Debian's Prometheus for tests: a process with a generated config that scrapes the given
// targets every second, its data in a temporary directory, and its HTTP query API.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, requireSystemTool } from './broker.js';
import { eventually } from './clients.js';

/** False when Debian's prometheus runs; otherwise the skip message (or a throw under CI=true). */
export function requirePrometheus(): string | false {
  return requireSystemTool(() => spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0, 'prometheus');
}

export interface PromSample { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }

export class PrometheusProcess {
  private constructor(private readonly proc: ChildProcess, readonly url: string, private readonly dir: string, readonly output: string[]) {}

  /** Starts Prometheus scraping `targets` (host:port) as job "samsa", every second. */
  static async start(targets: string[]): Promise<PrometheusProcess> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-prometheus-'));
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: samsa',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
    const port = await freePort();
    const proc = spawn('prometheus', [
      `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    for (const s of [proc.stdout!, proc.stderr!]) s.on('data', (d: Buffer) => output.push(...d.toString().split('\n').filter((l) => l !== '')));
    const prom = new PrometheusProcess(proc, `http://127.0.0.1:${port}`, dir, output);
    await eventually('prometheus ready', async () => {
      if (proc.exitCode !== null) throw new Error(`prometheus exited (${proc.exitCode}):\n${output.join('\n')}`);
      return (await fetch(`${prom.url}/-/ready`)).status === 200 ? true : undefined;
    }, 30_000, 200);
    return prom;
  }

  /** An instant query; throws when Prometheus reports an error. */
  async query(expr: string): Promise<PromSample[]> {
    return this.api('query', { query: expr });
  }

  /** A range query over [start, end] (seconds) with the step. */
  async queryRange(expr: string, start: number, end: number, step: number): Promise<PromSample[]> {
    return this.api('query_range', { query: expr, start: String(start), end: String(end), step: String(step) });
  }

  /** The values of a label over the series of a selector. */
  async labelValues(label: string, match: string): Promise<string[]> {
    const res = await fetch(`${this.url}/api/v1/label/${label}/values?${new URLSearchParams({ 'match[]': match })}`);
    const body = await res.json() as { status: string; data: string[]; error?: string };
    if (body.status !== 'success') throw new Error(`label values of ${label} for ${match}: ${body.error}`);
    return body.data;
  }

  private async api(endpoint: string, params: Record<string, string>): Promise<PromSample[]> {
    const res = await fetch(`${this.url}/api/v1/${endpoint}`, { method: 'POST', body: new URLSearchParams(params) });
    const body = await res.json() as { status: string; data?: { resultType: string; result: unknown }; error?: string };
    if (body.status !== 'success') throw new Error(`${params.query}: ${body.error}`);
    const { resultType, result } = body.data!;
    // a scalar answers one value with no labels
    if (resultType === 'scalar') return [{ metric: {}, value: result as [number, string] }];
    return result as PromSample[];
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// A Samsa broker process for a benchmark run: dist/src/main.js on a free loopback port and a new
// temporary data directory, with the broker's own defaults unless overridden, and pinned to a CPU
// list under `taskset -c` when asked (taskset execs node, so the pid is the broker's). Resolves once the
// broker logs "samsa started"; stop() shuts it down (SIGTERM, then SIGKILL) and removes the
// directory. Its output is drained and dropped, but for the last lines (shown if it fails).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers/broker.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));


export class SamsaProcess {
  private constructor(readonly proc: ChildProcess, readonly port: number, readonly dataDir: string, readonly started: Record<string, unknown>) {}

  /** `taskset`: a CPU list (taskset -c) to run the broker on; null: every CPU. */
  static async start(overrides: Record<string, string>, taskset: string | null = null): Promise<SamsaProcess> {
    const port = await freePort();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-broker-'));
    // metrics on a port of the system's choosing: two benchmark brokers (or a broker already on 9464) never collide
    const settings = { listeners: `PLAINTEXT://127.0.0.1:${port}`, 'log.dirs': dataDir, 'metrics.listener': 'http://127.0.0.1:0', ...overrides };
    const args = [MAIN, ...Object.entries(settings).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
    const proc = taskset === null
      ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('taskset', ['-c', taskset, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let partial = '';
    const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`samsa did not start in 30 s:\n${tail.join('\n')}`)), 30_000);
      const onData = (chunk: Buffer): void => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          tail.push(line);
          if (tail.length > 20) tail.shift();
          if (line.includes('"msg":"samsa started"')) {
            clearTimeout(timer);
            resolve(JSON.parse(line) as Record<string, unknown>);
          }
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`samsa exited (${code}) before it started:\n${tail.join('\n')}`));
      });
    }).catch((err: unknown) => {
      proc.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw err;
    });
    return new SamsaProcess(proc, port, dataDir, started);
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
        this.proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        this.proc.kill('SIGTERM');
      });
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

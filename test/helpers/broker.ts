// Test harness: runs a real Samsa broker process (dist/src/main.js, or through `npm start`) on a
// free loopback port and a temporary data directory, waits until it serves, and stops, kills or
// restarts it.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
/** The repository root (this file is dist/test/helpers/broker.js). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface BrokerOptions {
  /** Extra `--override key=value` settings. */
  overrides?: Record<string, string | number | boolean>;
  /** Reuse a data directory (for restarts); a new temporary one otherwise. */
  dataDir?: string;
  port?: number;
  /** Extra environment variables of the broker process. */
  env?: Record<string, string>;
  /** A server.properties file, given before the overrides (which beat it). */
  configFile?: string;
  /** How long to wait for "samsa started" (default 30 s; a long recovery takes longer). */
  startTimeoutMs?: number;
  /** Run as `npm start -- --override ...` (proc is then npm's process, a process group leader). */
  npmStart?: boolean;
}

export class BrokerProcess {
  readonly output: string[] = [];
  private readonly lines = new EventEmitter();
  private exited: Promise<number | null>;

  private constructor(readonly proc: ChildProcess, readonly port: number, readonly dataDir: string, readonly options: BrokerOptions) {
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    this.collect(proc.stdout!);
    this.collect(proc.stderr!);
  }

  get host(): string { return '127.0.0.1'; }
  get bootstrap(): string { return `127.0.0.1:${this.port}`; }

  /** The metrics listener's URL (http://host:port) from the start-up line; null when there is none. */
  get metricsUrl(): string | null {
    const line = this.output.find((l) => /samsa started/.test(l));
    const m = line === undefined ? null : /"metricsListener":"([^"]+)"/.exec(line);
    return m === null ? null : m[1]!;
  }

  static async start(options: BrokerOptions = {}): Promise<BrokerProcess> {
    const port = options.port ?? await freePort();
    const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-test-'));
    const overrides: Record<string, string | number | boolean> = {
      listeners: `PLAINTEXT://127.0.0.1:${port}`,
      'log.dirs': dataDir,
      'samsa.worker.threads': 2,
      // any free port: brokers run side by side in the tests
      'metrics.listener': 'http://127.0.0.1:0',
      // SAMSA_TEST_NETWORK_THREADS=N: every broker serves its connections on N network threads, 0
      // on the main thread (npm test runs the client tests so a second time, with 0)
      ...(process.env.SAMSA_TEST_NETWORK_THREADS === undefined ? {} : { 'num.network.threads': process.env.SAMSA_TEST_NETWORK_THREADS }),
      ...options.overrides,
    };
    const file = options.configFile === undefined ? [] : ['--config', options.configFile];
    const args = [...file, ...Object.entries(overrides).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
    // Through `npm start`, in a process group of its own (so that a test can signal the group).
    const proc = options.npmStart === true
      ? spawn('npm', ['start', '--', ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } })
      : spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    const broker = new BrokerProcess(proc, port, dataDir, options);
    await broker.waitForLine(/samsa started/, options.startTimeoutMs ?? 30_000);
    return broker;
  }

  /** Resolves when a line of the broker's output matches, or fails when it exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    const found = this.output.find((l) => pattern.test(l));
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onLine = (line: string): void => { if (pattern.test(line)) { done(); resolve(line); } };
      const onExit = (code: number | null): void => { done(); reject(new Error(`broker exited (${code}) before ${pattern}:\n${this.output.join('\n')}`)); };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${pattern}:\n${this.output.join('\n')}`)); }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.lines.off('line', onLine);
        this.proc.off('exit', onExit);
      };
      this.lines.on('line', onLine);
      this.proc.once('exit', onExit);
    });
  }

  private collect(stream: NodeJS.ReadableStream): void {
    let buf = '';
    stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        this.output.push(line);
        this.lines.emit('line', line);
      }
    });
  }

  /** Answers the exit code once the process has exited (it sends no signal). */
  waitExit(): Promise<number | null> {
    return this.exited;
  }

  /** A clean shutdown (SIGTERM); answers the exit code. */
  async stop(): Promise<number | null> {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
    return this.exited;
  }

  /** The broker's own pid, from its start-up line (under `npm start`, proc is npm's). */
  get brokerPid(): number {
    const line = this.output.find((l) => /samsa started/.test(l));
    return line === undefined ? -1 : (JSON.parse(line) as { pid: number }).pid;
  }

  /** kill -9 (of the whole process group under `npm start`): no shutdown work at all. */
  async kill(): Promise<void> {
    if (this.options.npmStart === true) {
      try {
        process.kill(-this.proc.pid!, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    } else if (this.proc.exitCode === null) {
      this.proc.kill('SIGKILL');
    }
    await this.exited;
  }

  /** A new broker process on the same port and data directory. */
  async restart(): Promise<BrokerProcess> {
    await this.stop();
    return BrokerProcess.start({ ...this.options, port: this.port, dataDir: this.dataDir });
  }

  /** Stops the broker and removes its data directory (unless it was given one). */
  async dispose(): Promise<void> {
    await this.kill();
    if (this.options.dataDir === undefined) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Runs a command to completion; answers its exit code and output. */
export function runCommand(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.once('error', (err) => { clearTimeout(timer); reject(err); });
    p.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    p.stdin.end(opts.input ?? '');
  });
}

/**
 * Whether a system client is installed. In CI (CI=true) a missing client is a failure; on a
 * developer's machine the test skips with a message that names the Debian package to install.
 */
export function requireSystemTool(check: () => boolean, debianPackage: string): string | false {
  if (check()) return false;
  const message = `needs ${debianPackage}: apt-get install ${debianPackage}`;
  if (process.env.CI === 'true') throw new Error(`CI is missing ${debianPackage} (.ci/run installs it)`);
  return message;
}

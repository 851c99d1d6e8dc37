// The raw loopback TCP ceiling of this machine, measured in the same run as each macro benchmark:
// this process sends 1 MiB buffers into a child process that reads and discards them (`send`,
// the direction of Produce), and reads what a child process writes as fast as it can (`receive`,
// the direction of Fetch). Every throughput a macro benchmark prints is also shown as a ratio of
// the ceiling in its direction: no broker can move bytes faster than a process that does nothing
// with them.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { mbps } from './report.js';

const PEER = fileURLToPath(new URL('./tcp-peer.js', import.meta.url));

export interface Ceiling {
  /** MB/s from this process into a discarding child process. */
  sendMBps: number;
  /** MB/s from a writing child process into this one. */
  receiveMBps: number;
  connections: number;
  seconds: number;
  /** Each trial's figure; the ceiling is the best of them (other load on the machine only lowers it). */
  trials: { sendMBps: number[]; receiveMBps: number[] };
}

function startPeer(mode: 'sink' | 'source'): Promise<{ proc: ChildProcess; port: number }> {
  return startListeningChild(PEER, [mode], `tcp-peer ${mode}`);
}

/** Runs `script` with `args` in a child node process that prints `{"port": N}` as its first line once it listens. */
export async function startListeningChild(script: string, args: string[], what: string): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve((JSON.parse(out.slice(0, nl)) as { port: number }).port);
    });
    proc.once('exit', (code) => reject(new Error(`${what} exited (${code})`)));
  });
  return { proc, port };
}

function stopPeer(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

/** Connects; what the socket reads goes to `onBytes` through one reused buffer (no chunk allocated per read). */
function connect(port: number, onBytes: (n: number) => void = () => {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const onread = { buffer: Buffer.allocUnsafe(256 * 1024), callback: (n: number): boolean => { onBytes(n); return true; } };
    const s = net.connect({ port, host: '127.0.0.1', onread }, () => resolve(s));
    s.once('error', reject);
    s.setNoDelay(true);
  });
}

/** Sends for `seconds` on each connection, then waits until the sink has read everything. */
async function measureSend(port: number, connections: number, seconds: number): Promise<number> {
  const chunk = Buffer.alloc(1 << 20, 0xa5);
  const sockets = await Promise.all(Array.from({ length: connections }, () => connect(port)));
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let bytes = 0;
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => {
    const pump = (): void => {
      while (performance.now() < deadline) {
        bytes += chunk.length;
        if (!s.write(chunk)) return;
      }
      s.end();
    };
    s.on('drain', pump);
    s.once('close', () => resolve());
    pump();
  })));
  return mbps(bytes, (performance.now() - start) / 1000);
}

/** Reads for `seconds` from each connection of a writing peer. */
async function measureReceive(port: number, connections: number, seconds: number): Promise<number> {
  let bytes = 0;
  let start = 0;
  const sockets = await Promise.all(Array.from({ length: connections }, () => connect(port, (n) => {
    if (start === 0) start = performance.now();
    bytes += n;
  })));
  for (const s of sockets) s.on('error', () => {});
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - start) / 1000;
  const got = bytes;
  for (const s of sockets) s.destroy();
  return mbps(got, elapsed);
}

/** `seconds` per direction, split into `trials` runs; the best run of each direction counts. */
export async function measureCeiling(seconds = 3, connections = 1, trials = 3): Promise<Ceiling> {
  const each = seconds / trials;
  const trialsOut: Ceiling['trials'] = { sendMBps: [], receiveMBps: [] };
  const sink = await startPeer('sink');
  try {
    for (let i = 0; i < trials; i++) trialsOut.sendMBps.push(await measureSend(sink.port, connections, each));
  } finally {
    await stopPeer(sink.proc);
  }
  const source = await startPeer('source');
  try {
    for (let i = 0; i < trials; i++) trialsOut.receiveMBps.push(await measureReceive(source.port, connections, each));
  } finally {
    await stopPeer(source.proc);
  }
  return { sendMBps: Math.max(...trialsOut.sendMBps), receiveMBps: Math.max(...trialsOut.receiveMBps), connections, seconds, trials: trialsOut };
}

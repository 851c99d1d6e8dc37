// Decision benchmark for issue 14 goal 2 (socket work on more than one thread): what serving a
// connection costs on the thread that accepted it, against on a worker thread it was handed to.
// Node cannot pass a socket handle to a worker thread, and Node 20 (libuv 1.46) has no SO_REUSEPORT
// listeners (`reusePort`, Node 22.12 and later); what it can do is duplicate the accepted socket's
// fd (dup(2) through koffi), give the number to a worker thread, which wraps it in
// `new net.Socket({ fd })`, and close the accepting thread's handle (a close that leaves another
// fd open on the socket sends nothing to the peer). Modes:
//   main        the accepting thread serves every connection (Samsa today);
//   workers:N   the main thread accepts and hands each connection to one of N worker threads.
// The server is a child process (this file, `server <mode>`) that reads size-prefixed frames and
// answers each with 64 bytes; this process runs --connections connections with --in-flight frames
// of --frame-bytes outstanding each and reports requests/s and the server's CPU per request
// (/proc/<pid>/stat, all threads). It also says whether a second `reusePort` listener on one port
// works on this Node.
//
//   node dist/bench/handoff.js [--modes main,workers:1,workers:2] [--connections 1,2] [--seconds 4]
// Not part of `npm run bench` (koffi is a devDependency). Figures: bench/RESULTS.md, issue 14.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import koffi from 'koffi';
import { Args } from './lib/args.js';
import { printTable, writeResults, type Row } from './lib/report.js';

const ANSWER = 64;

/** Answers each whole frame read with ANSWER bytes, the answers of one read in one write. */
function serve(socket: net.Socket): void {
  socket.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    pending = pending.length > 0 ? Buffer.concat([pending, d]) : d;
    let n = 0;
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      pending = pending.subarray(4 + size);
      n++;
    }
    if (n === 0) return;
    const out = Buffer.alloc(ANSWER * n);
    for (let i = 0; i < n; i++) out.writeInt32BE(ANSWER - 4, i * ANSWER);
    socket.write(out);
  });
  socket.on('error', () => socket.destroy());
}

if (!isMainThread) {
  // a network thread: serves the fds it is handed
  parentPort!.on('message', (fd: number) => serve(new net.Socket({ fd, readable: true, writable: true })));
} else if (process.argv[2] === 'server') {
  const mode = process.argv[3]!;
  const threads = mode === 'main' ? 0 : Number(mode.split(':')[1]);
  const dup = koffi.load('libc.so.6').func('int dup(int)') as (fd: number) => number;
  const workers = Array.from({ length: threads }, () => new Worker(new URL(import.meta.url)));
  let next = 0;
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    if (threads === 0) {
      socket.resume();
      serve(socket);
      return;
    }
    const fd = dup((socket as unknown as { _handle: { fd: number } })._handle.fd);
    socket.destroy();
    workers[next++ % threads]!.postMessage(fd);
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as net.AddressInfo).port));
} else {
  const args = new Args(process.argv.slice(2), [
    { name: 'modes', help: 'main (the accepting thread serves), workers:N (handed to N worker threads)', default: 'main,workers:1,workers:2' },
    { name: 'connections', help: 'client connections, a list to sweep', default: '1,2' },
    { name: 'in-flight', help: 'frames outstanding per connection', default: '8' },
    { name: 'frame-bytes', help: 'bytes per frame', default: '16384' },
    { name: 'seconds', help: 'seconds per cell', default: '4' },
    { name: 'out', help: 'where to write the JSON results (default bench/results/handoff-<timestamp>.json)' },
  ], 'handoff: a connection served by the accepting thread, against one handed to a worker thread by a duplicated fd');
  const reusePort = await reusePortWorks();
  console.log(`reusePort on Node ${process.version}: ${reusePort ? 'a second listener on the same port works' : 'a second listener on the same port is refused (EADDRINUSE)'}`);
  const rows: Row[] = [];
  for (const connections of args.nums('connections')) {
    for (const mode of args.list('modes')) {
      const r = await cell(mode, connections, args.num('in-flight'), args.num('frame-bytes'), args.num('seconds'));
      console.log(`  ${mode}, ${connections} connection(s): ${r['requests/s']} requests/s, ${r['server µs/request']} µs/request`);
      rows.push(r);
    }
  }
  printTable(`serving ${args.num('frame-bytes')} B frames, ${args.num('in-flight')} in flight per connection`, rows);
  writeResults('handoff', { reusePort, rows }, args.str('out') || undefined);
  process.exit(0);
}

async function cell(mode: string, connections: number, inFlight: number, frameBytes: number, seconds: number): Promise<Row> {
  const child = fork(new URL(import.meta.url), ['server', mode]);
  const port = await new Promise<number>((resolve) => child.once('message', (p) => resolve(p as number)));
  const ticks = (): number => {
    const f = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  const frame = Buffer.alloc(4 + frameBytes);
  frame.writeInt32BE(frameBytes, 0);
  let answered = 0;
  const sockets = await Promise.all(Array.from({ length: connections }, () => new Promise<net.Socket>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.setNoDelay(true);
  })));
  const t0 = Date.now();
  const c0 = ticks();
  let running = true;
  for (const s of sockets) {
    let bytes = 0;
    s.on('data', (d: Buffer) => {
      bytes += d.length;
      while (bytes >= ANSWER) {
        bytes -= ANSWER;
        answered++;
        if (running) s.write(frame);
      }
    });
    for (let i = 0; i < inFlight; i++) s.write(frame);
  }
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpu = (ticks() - c0) / 100;
  const elapsed = (Date.now() - t0) / 1000;
  running = false;
  const done = answered;
  for (const s of sockets) s.destroy();
  child.kill();
  return {
    mode, connections,
    'requests/s': Math.round(done / elapsed),
    'server cores': Number((cpu / elapsed).toFixed(2)),
    'server µs/request': Number(((cpu * 1e6) / done).toFixed(1)),
  };
}

/** Whether two listeners with reusePort can share one port on this Node. */
function reusePortWorks(): Promise<boolean> {
  return new Promise((resolve) => {
    const a = net.createServer();
    a.listen({ port: 0, host: '127.0.0.1', reusePort: true } as net.ListenOptions, () => {
      const b = net.createServer();
      const port = (a.address() as net.AddressInfo).port;
      const done = (ok: boolean): void => {
        a.close();
        b.close();
        resolve(ok);
      };
      b.once('error', () => done(false));
      b.listen({ port, host: '127.0.0.1', reusePort: true } as net.ListenOptions, () => done(true));
    });
  });
}

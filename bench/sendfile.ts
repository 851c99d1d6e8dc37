// Decision benchmark for issue 14 goal 3 ("Fetch that is really zero-copy"): sending a file that
// is in the page cache to a TCP socket, as a fetch sends stored batches. `pread+write` is what the
// broker does today (pread into a reused buffer, as the shard worker does into its read arena, then
// socket.write, respecting 'drain'); `sendfile*` call sendfile(2) through koffi (FFI) on the
// socket's fd, which Node's net.Socket leaves non-blocking, so a full socket answers EAGAIN. What
// each sendfile variant does then: `sendfile` sends the next 4 KiB of the chunk (--probe-kib)
// through pread+socket.write and resumes on that write's callback (libuv waits for POLLOUT);
// `sendfile-rest` sends the rest of the chunk that way; `sendfile-immediate` retries from
// setImmediate (polling). One process (this one) holds a --size-mib file created in os.tmpdir(),
// read once so that it is in the page cache and removed at the end; a child process (this file,
// `reader`) only counts the bytes of one loopback connection per run and reports its CPU.
// With --framed each chunk is a "response": a 16-byte header written by Node's socket, then the
// chunk, and the reader checks every header and a sample of the body words (the file's 8-byte
// words hold their own offsets), which shows whether Node's writes and sendfile stay in order.
// Also the cost of one koffi call (abs and getpid through koffi against reading process.pid).
//
//   node dist/bench/sendfile.js [--size-mib 512] [--chunks-kib 16,256,1024] [--repeat 3] [--framed]
// About 25 s on 2 cores with the defaults; one --chunks-kib at a time takes 8 to 10 s. Not part of
// `npm run bench` (koffi is a devDependency only for this). Figures: bench/RESULTS.md, "sendfile(2)".
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';
import { Args } from './lib/args.js';
import { startListeningChild } from './lib/ceiling.js';
import { mbps, printTable, writeResults, type Row } from './lib/report.js';

const HEADER = 16;
const MAGIC = 0x53414d53;
const EMPTY = Buffer.alloc(0);
type Variant = 'pread+write' | 'sendfile' | 'sendfile-rest' | 'sendfile-immediate';
const VARIANTS: Variant[] = ['pread+write', 'sendfile', 'sendfile-rest', 'sendfile-immediate'];

// ---------------------------------------------------------------------------------------------
// The reader child: counts (and with --framed checks) what one connection sends, then answers its
// figures on the same connection once the sender has ended its side.
if (process.argv[2] === 'reader') {
  const framed = process.argv[3] === 'framed';
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const cpu0 = process.cpuUsage();
    let bytes = 0;
    let errors = 0;
    let responses = 0;
    // framed parsing state
    const head = Buffer.alloc(HEADER);
    let headHave = 0;
    let bodyLeft = 0;
    let bodyAt = 0; // the file offset of the next body byte
    socket.on('data', (d: Buffer) => {
      bytes += d.length;
      if (!framed) return;
      let i = 0;
      while (i < d.length) {
        if (bodyLeft === 0) {
          const n = Math.min(HEADER - headHave, d.length - i);
          d.copy(head, headHave, i, i + n);
          headHave += n;
          i += n;
          if (headHave < HEADER) break;
          headHave = 0;
          responses++;
          if (head.readUInt32LE(0) !== MAGIC) { errors++; socket.destroy(); return; }
          bodyLeft = head.readUInt32LE(4);
          bodyAt = head.readDoubleLE(8);
          continue;
        }
        const n = Math.min(bodyLeft, d.length - i);
        // one body word per data chunk: the first 8-aligned one in this slice
        const skip = (8 - (bodyAt % 8)) % 8;
        if (skip + 8 <= n && d.readDoubleLE(i + skip) !== bodyAt + skip) errors++;
        bodyLeft -= n;
        bodyAt += n;
        i += n;
      }
    });
    socket.on('end', () => {
      const cpu = process.cpuUsage(cpu0);
      socket.end(JSON.stringify({ bytes, userUs: cpu.user, systemUs: cpu.system, responses, errors, incomplete: bodyLeft > 0 || headHave > 0 }));
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as net.AddressInfo).port })));
} else {
  await main();
}

// ---------------------------------------------------------------------------------------------

interface Counters { syscalls: number; sendfiles: number; eagain: number; waits: number; copiedBytes: number; flushWaits: number }

interface ReaderReport { bytes: number; userUs: number; systemUs: number; responses: number; errors: number; incomplete: boolean }


async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2), [
    { name: 'size-mib', help: 'size of the file sent in each run', default: '512' },
    { name: 'chunks-kib', help: 'chunk sizes: one pread+write or one sendfile call per chunk (one fetch response each)', default: '16,256,1024' },
    { name: 'variants', help: `which senders: ${VARIANTS.join(', ')}`, default: 'pread+write,sendfile,sendfile-rest,sendfile-immediate' },
    { name: 'repeat', help: 'runs per variant and chunk size, the variants alternating; the table shows medians', default: '3' },
    { name: 'probe-kib', help: 'sendfile: what goes through pread+socket.write when the socket is full, to wait for it to drain', default: '4' },
    { name: 'ring', help: 'pread+write: buffers of one chunk each, reused once their write is done', default: '4' },
    { name: 'framed', help: 'each chunk after a 16-byte header written by Node; the reader checks the order' },
    { name: 'ffi-calls', help: 'calls in each koffi overhead loop (0: skip)', default: '300000' },
    { name: 'dir', help: 'where the file is created', default: os.tmpdir() },
    { name: 'out', help: 'where to write the JSON results (default bench/results/sendfile-<timestamp>.json)' },
  ], 'sendfile: sendfile(2) through koffi against pread+socket.write, a page-cached file to a loopback TCP reader');

  const size = args.num('size-mib') * 2 ** 20;
  const chunks = args.nums('chunks-kib').map((k) => k * 1024);
  const variants = args.list('variants') as Variant[];
  for (const v of variants) if (!VARIANTS.includes(v)) throw new Error(`unknown variant ${v}`);
  const repeat = args.num('repeat');
  const framed = args.bool('framed');
  const probe = args.num('probe-kib') * 1024;
  const ringSize = args.num('ring');

  const libc = koffi.load('libc.so.6');
  const sendfile = libc.func('intptr_t sendfile(int out_fd, int in_fd, void *offset, size_t count)') as (out: number, inFd: number, off: Int32Array, count: number) => number;
  const EAGAIN = koffi.os.errno['EAGAIN']!;

  // -- koffi's cost per call ------------------------------------------------------------------
  const ffiRows: Row[] = [];
  const ffiCalls = args.num('ffi-calls');
  if (ffiCalls > 0) {
    const getpid = libc.func('int getpid(void)') as () => number;
    const abs = libc.func('int abs(int)') as (x: number) => number;
    const devnull = fs.openSync('/dev/null', 'w');
    const selfFd = fs.openSync(fileURLToPath(import.meta.url), 'r');
    const off = new Int32Array(2);
    const one = Buffer.alloc(1);
    const loops: [string, () => number][] = [
      ['process.pid (JavaScript property)', () => process.pid],
      ['abs(i) through koffi (no syscall)', () => abs(-7)],
      ['getpid() through koffi (a syscall)', () => getpid()],
      ['pread of 1 byte through fs.readSync (a syscall through Node)', () => fs.readSync(selfFd, one, 0, 1, 0)],
      ['sendfile(/dev/null, file, &off, 0) through koffi', () => sendfile(devnull, selfFd, off, 0)],
    ];
    for (const [name, fn] of loops) {
      let sink = 0;
      for (let i = 0; i < 10000; i++) sink += fn(); // warm up
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < ffiCalls; i++) sink += fn();
      const ns = Number(process.hrtime.bigint() - t0) / ffiCalls;
      ffiRows.push({ call: name, 'ns/call': ns, calls: ffiCalls, checksum: sink === 0 ? 0 : 1 });
    }
    fs.closeSync(devnull);
    fs.closeSync(selfFd);
    printTable('koffi overhead per call', ffiRows, ['call', 'ns/call', 'calls']);
  }

  // -- the file ---------------------------------------------------------------------------------
  const file = path.join(fs.mkdtempSync(path.join(args.str('dir')!, 'samsa-bench-sendfile-')), 'segment.log');
  const created = Date.now();
  {
    const w = fs.openSync(file, 'w');
    const block = Buffer.allocUnsafe(1 << 20);
    const words = new Float64Array(block.buffer, block.byteOffset, block.length / 8);
    for (let at = 0; at < size; at += block.length) {
      for (let i = 0; i < words.length; i++) words[i] = at + i * 8;
      fs.writeSync(w, block, 0, Math.min(block.length, size - at), at);
    }
    fs.closeSync(w);
    const r = fs.openSync(file, 'r');
    for (let at = 0; at < size; at += block.length) fs.readSync(r, block, 0, block.length, at); // into the page cache
    fs.closeSync(r);
  }
  console.log(`\nfile: ${(size / 2 ** 20).toFixed(0)} MiB at ${file}, created and read in ${Date.now() - created} ms`);
  const fd = fs.openSync(file, 'r');

  const reader = await startReader(framed);
  type Run = { variant: Variant; chunk: number; seconds: number; senderUs: number; senderSysUs: number; reader: ReaderReport; counters: Counters };
  const runs: Run[] = [];
  try {
    for (let r = 0; r < repeat; r++) {
      for (const chunk of chunks) {
        // alternate the order of the variants from one repeat to the next
        const order = r % 2 === 0 ? variants : [...variants].reverse();
        for (const variant of order) {
          const socket = await connect(reader.port);
          const counters: Counters = { syscalls: 0, sendfiles: 0, eagain: 0, waits: 0, copiedBytes: 0, flushWaits: 0 };
          const cpu0 = process.cpuUsage();
          const t0 = process.hrtime.bigint();
          if (variant === 'pread+write') await sendByCopy(socket, fd, size, chunk, ringSize, framed, counters);
          else await sendBySendfile(socket, fd, size, chunk, variant, probe, framed, counters, sendfile, EAGAIN);
          const report = await finish(socket);
          const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
          const cpu = process.cpuUsage(cpu0);
          const expected = size + (framed ? Math.ceil(size / chunk) * HEADER : 0);
          if (report.bytes !== expected || report.errors > 0 || report.incomplete) {
            throw new Error(`${variant} ${chunk}: the reader got ${report.bytes} bytes of ${expected}, ${report.errors} out of order`);
          }
          runs.push({ variant, chunk, seconds, senderUs: cpu.user + cpu.system, senderSysUs: cpu.system, reader: report, counters });
        }
      }
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    reader.proc.kill();
  }

  // -- the table: medians over the repeats ---------------------------------------------------------
  const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[(s.length - 1) >> 1]!; };
  const rows: Row[] = [];
  const summary: unknown[] = [];
  const mib = size / 2 ** 20;
  for (const chunk of chunks) {
    for (const variant of variants) {
      const rs = runs.filter((x) => x.variant === variant && x.chunk === chunk);
      const n = Math.ceil(size / chunk);
      const s = {
        variant, chunkKiB: chunk / 1024,
        MBps: median(rs.map((x) => mbps(size, x.seconds))),
        senderUsPerMiB: median(rs.map((x) => x.senderUs / mib)),
        senderSysShare: median(rs.map((x) => x.senderSysUs / x.senderUs)),
        senderUsPerChunk: median(rs.map((x) => x.senderUs / n)),
        readerUsPerMiB: median(rs.map((x) => (x.reader.userUs + x.reader.systemUs) / mib)),
        syscallsPerChunk: median(rs.map((x) => x.counters.syscalls / n)),
        eagainPerChunk: median(rs.map((x) => x.counters.eagain / n)),
        waitsPerChunk: median(rs.map((x) => x.counters.waits / n)),
        copiedShare: median(rs.map((x) => x.counters.copiedBytes / size)),
        flushWaitsPerChunk: median(rs.map((x) => x.counters.flushWaits / n)),
        runs: rs.map((x) => ({ seconds: x.seconds, senderUs: x.senderUs, senderSysUs: x.senderSysUs, reader: x.reader, counters: x.counters })),
      };
      summary.push(s);
      rows.push({
        variant, chunk: `${chunk / 1024} KiB`, 'MB/s': s.MBps,
        'sender µs/MiB': s.senderUsPerMiB, 'sender sys': `${(s.senderSysShare * 100).toFixed(0)}%`, 'sender µs/chunk': s.senderUsPerChunk,
        'reader µs/MiB': s.readerUsPerMiB, 'syscalls/chunk': s.syscallsPerChunk, 'EAGAIN/chunk': s.eagainPerChunk,
        'waits/chunk': s.waitsPerChunk, 'copied': `${(s.copiedShare * 100).toFixed(1)}%`,
        ...(framed ? { 'flush waits/chunk': s.flushWaitsPerChunk } : {}),
      });
    }
  }
  printTable(`sending a page-cached ${mib} MiB file over loopback TCP${framed ? ', each chunk after a 16-byte header written by Node' : ''} (medians of ${repeat})`, rows);
  console.log('note: MB/s is 10^6 bytes of the file per second, from the first call until the reader has reported; CPU is user+sys (process.cpuUsage)');
  console.log('note: syscalls/chunk counts the calls this process makes itself (pread, sendfile) and the socket writes it asks Node for; waits/chunk: how often it waited for the socket to drain');
  console.log('note: copied: share of the file that went through pread+socket.write (all of it for pread+write; for sendfile, what was sent while waiting for the socket to drain)');
  writeResults('sendfile', {
    command: `node ${process.argv.slice(1).join(' ')}`,
    sizeBytes: size, chunks, variants, repeat, framed, probeBytes: probe, ring: ringSize, koffi: koffi.version,
    ffi: ffiRows, results: summary,
  }, args.str('out'));
}

function startReader(framed: boolean): Promise<{ proc: ChildProcess; port: number }> {
  return startListeningChild(fileURLToPath(import.meta.url), ['reader', framed ? 'framed' : 'plain'], 'reader');
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

/** Ends the sender's side and answers the reader's report (written once it has seen the end). */
function finish(socket: net.Socket): Promise<ReaderReport> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.on('data', (d: Buffer) => { text += d.toString(); });
    socket.once('end', () => { socket.destroy(); resolve(JSON.parse(text) as ReaderReport); });
    socket.once('error', reject);
    socket.end();
  });
}

function header(len: number, at: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER);
  h.writeUInt32LE(MAGIC, 0);
  h.writeUInt32LE(len, 4);
  h.writeDoubleLE(at, 8);
  return h;
}

/** Today's way: pread into a ring of buffers, socket.write each, stop on false until 'drain'. */
function sendByCopy(socket: net.Socket, fd: number, size: number, chunk: number, ringSize: number, framed: boolean, c: Counters): Promise<void> {
  return new Promise((resolve, reject) => {
    const free = Array.from({ length: ringSize }, () => Buffer.allocUnsafe(chunk));
    let pos = 0;
    let outstanding = 0;
    let draining = false;
    socket.once('error', reject);
    const pump = (): void => {
      while (pos < size && free.length > 0 && !draining) {
        const buf = free.pop()!;
        const n = fs.readSync(fd, buf, 0, Math.min(chunk, size - pos), pos);
        c.syscalls += 2;
        c.copiedBytes += n;
        outstanding++;
        const body = n === buf.length ? buf : buf.subarray(0, n);
        const done = (): void => {
          free.push(buf);
          outstanding--;
          if (pos >= size && outstanding === 0) resolve();
          else if (!draining) pump();
        };
        let ok: boolean;
        if (framed) {
          socket.cork();
          socket.write(header(n, pos));
          socket.write(body, done);
          socket.uncork(); // one writev for both, as the broker's connection does
          ok = socket.writableLength < socket.writableHighWaterMark;
        } else ok = socket.write(body, done);
        pos += n;
        if (!ok) {
          draining = true;
          c.waits++;
          socket.once('drain', () => { draining = false; pump(); });
        }
      }
    };
    pump();
  });
}

/**
 * sendfile(2) on the socket's fd, one call per chunk (its rest after a partial send). When the
 * socket is full (EAGAIN, or a partial send, which means the same) it waits as the variant says.
 */
function sendBySendfile(
  socket: net.Socket, fd: number, size: number, chunk: number, variant: Variant, probe: number, framed: boolean, c: Counters,
  sendfile: (out: number, inFd: number, off: Int32Array, count: number) => number, EAGAIN: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const off = new Int32Array(2); // the off_t sendfile reads and advances (little-endian 64-bit)
    const handle = (socket as unknown as { _handle: { fd: number; writeQueueSize: number } | null })._handle;
    const state = (socket as unknown as { _writableState: { writing: boolean } })._writableState;
    const scratch = Buffer.allocUnsafe(Math.max(probe, chunk));
    let pos = 0; // the file offset of the next byte to send
    let chunkEnd = 0; // where the current chunk ends
    let flushed = true; // the current chunk's header has left Node
    socket.once('error', reject);

    /** Node's side of the socket is empty: nothing queued in the stream or in libuv, no write in progress. */
    const nodeIdle = (): boolean => socket.writableLength === 0 && !state.writing && handle !== null && handle.writeQueueSize === 0;

    const copy = (n: number, then: () => void): void => {
      const got = fs.readSync(fd, scratch, 0, n, pos);
      c.syscalls += 2;
      c.copiedBytes += got;
      pos += got;
      socket.write(scratch.subarray(0, got), then); // one at a time: the next waits for its callback
    };

    const run = (): void => {
      for (;;) {
        if (pos >= chunkEnd) {
          if (pos >= size) { resolve(); return; }
          chunkEnd = Math.min(size, pos + chunk);
          if (framed) {
            socket.write(header(chunkEnd - pos, pos));
            c.syscalls++;
            // The header must have reached the kernel before sendfile writes behind Node's back.
            if (!nodeIdle()) {
              flushed = false;
              c.flushWaits++;
              socket.write(EMPTY, () => {
                if (!nodeIdle()) { reject(new Error('Node still had bytes queued after the flush')); return; }
                flushed = true;
                run();
              });
              return;
            }
          }
        }
        if (!flushed) return;
        if (socket.destroyed || handle === null) { reject(new Error('socket closed during sendfile')); return; }
        off[0] = pos % 2 ** 32;
        off[1] = Math.floor(pos / 2 ** 32);
        const want = chunkEnd - pos;
        const sent = sendfile(handle.fd, fd, off, want);
        c.syscalls++;
        c.sendfiles++;
        if (sent > 0) pos += sent;
        if (sent === want) continue;
        if (sent < 0 && koffi.errno() !== EAGAIN) { reject(new Error(`sendfile: errno ${koffi.errno()}`)); return; }
        if (sent === 0) { reject(new Error('sendfile: end of file')); return; }
        // the socket is full
        if (sent < 0) c.eagain++;
        c.waits++;
        if (variant === 'sendfile-immediate') { setImmediate(run); return; }
        const rest = chunkEnd - pos;
        copy(variant === 'sendfile-rest' ? rest : Math.min(probe, rest), run);
        return;
      }
    };
    run();
  });
}

// Micro: CRC-32C (Castagnoli), which the broker computes over every produced batch: the native
// @node-rs/crc32 (SSE4.2 / ARM CRC instructions) against JavaScript table implementations, one
// byte a step and slicing-by-8, on 1 KiB and 1 MiB. The JS versions are checked against the
// native one before timing.
//
//   node dist/bench/crc32c.js [--time 1000]
import { crc32c } from '@node-rs/crc32';
import { Args } from './lib/args.js';
import { MICRO_FLAGS, runMicro, type MicroTask } from './lib/micro.js';

const POLY = 0x82f63b78; // reflected Castagnoli polynomial

const TABLES: Uint32Array[] = Array.from({ length: 8 }, () => new Uint32Array(256));
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLES[0]![n] = c >>> 0;
}
for (let n = 0; n < 256; n++) {
  for (let t = 1; t < 8; t++) TABLES[t]![n] = (TABLES[0]![TABLES[t - 1]![n]! & 0xff]! ^ (TABLES[t - 1]![n]! >>> 8)) >>> 0;
}
const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

/** One table lookup per byte (the classic Sarwate loop, as kafkajs does it). */
function crc32cBytewise(buf: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < buf.length; i++) crc = T0[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Eight bytes per step with eight tables (slicing-by-8). */
function crc32cSlicing8(buf: Uint8Array): number {
  let crc = 0xffffffff;
  let i = 0;
  const end8 = buf.length - (buf.length % 8);
  for (; i < end8; i += 8) {
    const a = crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    crc = T7[a & 0xff]! ^ T6[(a >>> 8) & 0xff]! ^ T5[(a >>> 16) & 0xff]! ^ T4[a >>> 24]!
      ^ T3[buf[i + 4]!]! ^ T2[buf[i + 5]!]! ^ T1[buf[i + 6]!]! ^ T0[buf[i + 7]!]!;
  }
  for (; i < buf.length; i++) crc = T0[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const args = new Args(process.argv.slice(2), MICRO_FLAGS, 'crc32c: native @node-rs/crc32 against JavaScript table implementations');
const tasks: MicroTask[] = [];
for (const [label, size] of [['1 KiB', 1024], ['1 MiB', 1 << 20]] as const) {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 2654435761) >>> 24;
  const expected = crc32c(buf);
  for (const [name, fn] of [['JS bytewise', crc32cBytewise], ['JS slicing-by-8', crc32cSlicing8]] as const) {
    if (fn(buf) !== expected) throw new Error(`${name} disagrees with @node-rs/crc32 on ${label}`);
  }
  tasks.push(
    { name: `native @node-rs/crc32 ${label}`, bytes: size, fn: () => crc32c(buf) },
    { name: `JS slicing-by-8 ${label}`, bytes: size, fn: () => crc32cSlicing8(buf) },
    { name: `JS bytewise table ${label}`, bytes: size, fn: () => crc32cBytewise(buf) },
  );
}
await runMicro('crc32c', 'CRC-32C: native vs JavaScript', args, tasks, ['all three give the same checksum (checked before timing)']);

// Writer: a growable encoder for Kafka's primitive types. Bytes go into a scratch buffer; when it
// fills, the filled part is kept as a chunk and a larger one is started (no copying). rawRef()
// appends a caller's Buffer by reference, so record data reaches the socket without a copy:
// toChunks() hands the pieces to socket.cork()+write, toBuffer() concatenates them.

import { ProtocolError } from './protocol-error.js';

const TWO_32 = 4294967296;
const INT64_MAX_HI = 0x7fffffff;
const MAX_SCRATCH = 1 << 20;

export class Writer {
  private buf: Buffer;
  private pos = 0;
  /** start of the bytes in buf not yet moved to chunks */
  private start = 0;
  private readonly chunks: Buffer[] = [];
  /** total bytes held in chunks */
  private flushed = 0;

  constructor(initialSize = 512) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.flushed + this.pos - this.start;
  }

  private flush(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos));
      this.flushed += this.pos - this.start;
      this.start = this.pos;
    }
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    const size = Math.max(n, Math.min(this.buf.length * 2, MAX_SCRATCH));
    this.buf = Buffer.allocUnsafe(size);
    this.pos = this.start = 0;
  }

  // Integers are stored byte by byte (typed-array stores wrap modulo 256): no range checks on
  // this hot path, so out-of-range values wrap rather than throw.

  int8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  int16(v: number): this {
    this.ensure(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 8;
    b[p + 1] = v;
    this.pos = p + 2;
    return this;
  }

  uint16(v: number): this {
    return this.int16(v);
  }

  int32(v: number): this {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos = p + 4;
    return this;
  }

  uint32(v: number): this {
    return this.int32(v);
  }

  /** int64 from a JS number; values at or beyond 2^63 are written as the int64 maximum. */
  int64(v: number): this {
    this.ensure(8);
    let hi = Math.floor(v / TWO_32);
    let lo = v >>> 0;
    if (hi > INT64_MAX_HI) {
      hi = INT64_MAX_HI;
      lo = 0xffffffff;
    }
    const b = this.buf;
    const p = this.pos;
    b[p] = hi >>> 24;
    b[p + 1] = hi >>> 16;
    b[p + 2] = hi >>> 8;
    b[p + 3] = hi;
    b[p + 4] = lo >>> 24;
    b[p + 5] = lo >>> 16;
    b[p + 6] = lo >>> 8;
    b[p + 7] = lo;
    this.pos = p + 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }

  bool(v: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }

  /** 32 hex characters as 16 bytes. */
  uuid(v: string): this {
    this.ensure(16);
    if (v.length !== 32 || this.buf.write(v, this.pos, 16, 'hex') !== 16) {
      throw new ProtocolError(`invalid uuid ${JSON.stringify(v)}: expected 32 hex characters`);
    }
    this.pos += 16;
    return this;
  }

  /** Unsigned LEB128 varint of a value in [0, 2^32). */
  uvarint(v: number): this {
    this.ensure(5);
    const buf = this.buf;
    let p = this.pos;
    v = v >>> 0;
    while (v >= 0x80) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p++] = v;
    this.pos = p;
    return this;
  }

  /** Zigzag-encoded signed 32-bit varint. */
  varint(v: number): this {
    return this.uvarint((v << 1) ^ (v >> 31));
  }

  /** Zigzag-encoded signed 64-bit varint of a JS number (exact within ±2^52). */
  varlong(v: number): this {
    this.ensure(10);
    const buf = this.buf;
    let p = this.pos;
    let u = v >= 0 ? v * 2 : -v * 2 - 1;
    while (u >= 0x80) {
      buf[p++] = (u % 0x80) | 0x80;
      u = Math.floor(u / 0x80);
    }
    buf[p++] = u;
    this.pos = p;
    return this;
  }

  private text(v: string, len: number): void {
    this.ensure(len);
    this.buf.write(v, this.pos, len, 'utf8');
    this.pos += len;
  }

  string(v: string): this {
    const len = Buffer.byteLength(v, 'utf8');
    if (len > 0x7fff) throw new ProtocolError(`string of ${len} bytes exceeds the int16 length limit`);
    this.int16(len);
    this.text(v, len);
    return this;
  }

  nullableString(v: string | null): this {
    return v === null ? this.int16(-1) : this.string(v);
  }

  compactString(v: string): this {
    const len = Buffer.byteLength(v, 'utf8');
    this.uvarint(len + 1);
    this.text(v, len);
    return this;
  }

  compactNullableString(v: string | null): this {
    return v === null ? this.uvarint(0) : this.compactString(v);
  }

  bytes(v: Buffer | null): this {
    if (v === null) return this.int32(-1);
    this.int32(v.length);
    return this.raw(v);
  }

  compactBytes(v: Buffer | null): this {
    if (v === null) return this.uvarint(0);
    this.uvarint(v.length + 1);
    return this.raw(v);
  }

  /** Copy bytes in (for small values). */
  raw(v: Buffer): this {
    this.ensure(v.length);
    v.copy(this.buf, this.pos);
    this.pos += v.length;
    return this;
  }

  /** Append a buffer by reference, without copying; the caller must not change it afterwards. */
  rawRef(v: Buffer): this {
    if (v.length === 0) return this;
    this.flush();
    this.chunks.push(v);
    this.flushed += v.length;
    return this;
  }

  /** Overwrite 4 bytes at an absolute position already written (e.g. a size prefix reserved with int32(0)). */
  setInt32(position: number, v: number): this {
    if (position < 0 || position + 4 > this.length) throw new RangeError(`setInt32 at ${position} outside 0..${this.length}`);
    const u = v >>> 0;
    for (let i = 0; i < 4; i++) this.setByte(position + i, (u >>> (24 - 8 * i)) & 0xff);
    return this;
  }

  private setByte(position: number, b: number): void {
    if (position >= this.flushed) {
      this.buf[this.start + position - this.flushed] = b;
      return;
    }
    let base = 0;
    for (const c of this.chunks) {
      if (position < base + c.length) {
        c[position - base] = b;
        return;
      }
      base += c.length;
    }
  }

  /** The written bytes as a list of buffers (referenced, not copied). */
  toChunks(): Buffer[] {
    const out = this.chunks.slice();
    if (this.pos > this.start) out.push(this.buf.subarray(this.start, this.pos));
    return out;
  }

  /** The written bytes as one buffer (no copy when they already are one piece). */
  toBuffer(): Buffer {
    if (this.chunks.length === 0) return this.buf.subarray(this.start, this.pos);
    if (this.chunks.length === 1 && this.pos === this.start) return this.chunks[0]!;
    return Buffer.concat(this.toChunks(), this.length);
  }
}

// Reader: a cursor over one Buffer that decodes Kafka's primitive types (fixed-width integers,
// varints, classic and compact strings/bytes, uuids, tagged-field sections). Every read checks the
// bytes left first and throws ProtocolError on truncated or hostile input; nothing is allocated
// from a length that was not checked against the remaining bytes. bytes() returns subarrays.

import { ProtocolError } from './protocol-error.js';

const TWO_32 = 4294967296;

export class Reader {
  buf: Buffer;
  offset: number;

  constructor(buf: Buffer, offset = 0) {
    this.buf = buf;
    this.offset = offset;
  }

  remaining(): number {
    return this.buf.length - this.offset;
  }

  /** Throws unless n more bytes are available. */
  need(n: number): void {
    if (this.offset + n > this.buf.length) {
      throw new ProtocolError(`truncated: need ${n} bytes at offset ${this.offset}, have ${this.buf.length - this.offset}`);
    }
  }

  int8(): number {
    this.need(1);
    return (this.buf[this.offset++]! << 24) >> 24;
  }

  int16(): number {
    this.need(2);
    const b = this.buf;
    const o = this.offset;
    this.offset = o + 2;
    return ((b[o]! << 24) | (b[o + 1]! << 16)) >> 16;
  }

  uint16(): number {
    this.need(2);
    const b = this.buf;
    const o = this.offset;
    this.offset = o + 2;
    return (b[o]! << 8) | b[o + 1]!;
  }

  int32(): number {
    this.need(4);
    const b = this.buf;
    const o = this.offset;
    this.offset = o + 4;
    return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }

  uint32(): number {
    return this.int32() >>> 0;
  }

  /** int64 as a JS number: exact within ±2^53, rounded beyond. */
  int64(): number {
    this.need(8);
    const hi = this.int32();
    const lo = this.int32() >>> 0;
    return hi * TWO_32 + lo;
  }

  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  bool(): boolean {
    this.need(1);
    return this.buf[this.offset++] !== 0;
  }

  /** 16 bytes as 32 lowercase hex characters. */
  uuid(): string {
    this.need(16);
    const v = this.buf.toString('hex', this.offset, this.offset + 16);
    this.offset += 16;
    return v;
  }

  /** Unsigned LEB128 varint, at most 5 bytes, result in [0, 2^32). */
  uvarint(): number {
    const o = this.offset;
    if (o < this.buf.length && this.buf[o]! < 0x80) {
      this.offset = o + 1;
      return this.buf[o]!;
    }
    return this.longUvarint();
  }

  private longUvarint(): number {
    const buf = this.buf;
    let o = this.offset;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (o >= buf.length) throw new ProtocolError(`truncated varint at offset ${this.offset}`);
      const b = buf[o++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result >= TWO_32) break;
        this.offset = o;
        return result;
      }
    }
    throw new ProtocolError(`varint too long at offset ${this.offset}`);
  }

  /** Zigzag-encoded signed 32-bit varint. */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zigzag-encoded signed 64-bit varint, as a JS number (exact within ±2^52). */
  varlong(): number {
    const buf = this.buf;
    let o = this.offset;
    let u = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (o >= buf.length) throw new ProtocolError(`truncated varlong at offset ${this.offset}`);
      const b = buf[o++]!;
      u += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        this.offset = o;
        return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      }
    }
    throw new ProtocolError(`varlong too long at offset ${this.offset}`);
  }

  private text(len: number): string {
    this.need(len);
    const start = this.offset;
    this.offset = start + len;
    return this.buf.toString('utf8', start, start + len);
  }

  /** Classic string: int16 length then UTF-8; null (-1) is an error here. */
  string(): string {
    const len = this.int16();
    if (len < 0) throw new ProtocolError('non-nullable string is null');
    return this.text(len);
  }

  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) {
      if (len !== -1) throw new ProtocolError(`invalid string length ${len}`);
      return null;
    }
    return this.text(len);
  }

  /** Compact string: uvarint (length + 1) then UTF-8; 0 (null) is an error here. */
  compactString(): string {
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError('non-nullable compact string is null');
    return this.text(n - 1);
  }

  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.text(n - 1);
  }

  /** Read len raw bytes as a subarray of buf (no copy). */
  slice(len: number): Buffer {
    this.need(len);
    const start = this.offset;
    this.offset = start + len;
    return this.buf.subarray(start, start + len);
  }

  /** Classic bytes: int32 length (-1 = null) then the bytes, as a subarray (no copy). */
  bytes(): Buffer | null {
    const len = this.int32();
    if (len < 0) {
      if (len !== -1) throw new ProtocolError(`invalid bytes length ${len}`);
      return null;
    }
    return this.slice(len);
  }

  /** Compact bytes: uvarint (length + 1), 0 = null, then the bytes as a subarray (no copy). */
  compactBytes(): Buffer | null {
    const n = this.uvarint();
    return n === 0 ? null : this.slice(n - 1);
  }

  /** Array count: int32 (-1 = null) or compact uvarint (count + 1, 0 = null); -1 means null. */
  arrayLength(compact: boolean, minElementSize: number): number {
    let n: number;
    if (compact) {
      n = this.uvarint() - 1;
    } else {
      n = this.int32();
      if (n < -1) throw new ProtocolError(`invalid array length ${n}`);
    }
    if (n > 0 && n * (minElementSize > 0 ? minElementSize : 1) > this.buf.length - this.offset) {
      throw new ProtocolError(`array length ${n} exceeds the ${this.buf.length - this.offset} bytes left`);
    }
    return n;
  }

  /** Skip a whole tagged-field section (count, then tag + size + data for each). */
  skipTaggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      const size = this.uvarint();
      this.need(size);
      this.offset += size;
    }
  }
}

export { ZERO_UUID } from '../messages/schema.js';
export { ProtocolError } from './protocol-error.js';

// Builds sample values for a message at a version: every field present in that version set to a
// non-default value (arrays of 1-2 elements, nested structs, tagged fields set), or, in the
// 'nulls' variant, every field nullable in that version set to null. Fields absent from the
// version hold their default, which is what decoding them yields.

import { defaultValue, inRange, type FieldSchema, type MessageSchema, type PrimitiveType } from '../../src/protocol/messages/schema.js';

export type Variant = 'full' | 'nulls';

class Seq {
  n = 1;
  next(): number {
    return this.n++;
  }
}

function differ<T>(v: T, def: unknown, alt: T): T {
  return v === def ? alt : v;
}

function primitive(kind: PrimitiveType, def: unknown, seq: Seq): unknown {
  const n = seq.next();
  switch (kind) {
    case 'int8': return differ((n % 100) + 1, def, 120);
    case 'int16': return differ(-(n % 1000) - 2, def, 30000);
    case 'int32': return differ(n * 100003 + 7, def, -77);
    case 'int64': return differ(n % 2 === 0 ? 2 ** 40 + n : -(2 ** 35) - n, def, 123);
    case 'uint16': return differ(60000 + n, def, 1);
    case 'uint32': return differ(4000000000 + n, def, 1);
    case 'float64': return differ(n + 0.25, def, -1.5);
    case 'bool': return def !== true;
    case 'uuid': return (n.toString(16).padStart(2, '0') + 'c0ffee').repeat(4).slice(0, 32);
    case 'string': return n % 3 === 0 ? `näme-${n}` : `s${n}`;
    case 'bytes': return Buffer.from([n & 0xff, 0xab, 0xcd]);
    case 'records': return Buffer.from(`records-${n}`);
  }
}

function fieldValue(f: FieldSchema, version: number, variant: Variant, seq: Seq, depth: number): unknown {
  if (variant === 'nulls' && inRange(f.nullableVersions, version)) return null;
  if (f.kind === 'struct') return struct(f.fields!, version, variant, seq, depth + 1);
  if (f.kind === 'array') {
    const count = depth < 2 ? 2 : 1;
    const out: unknown[] = [];
    for (let i = 0; i < count; i++) {
      out.push(f.element === 'struct'
        ? struct(f.fields!, version, variant, seq, depth + 1)
        : primitive(f.element!, undefined, seq));
    }
    return out;
  }
  return primitive(f.kind, f.default, seq);
}

function struct(fields: readonly FieldSchema[], version: number, variant: Variant, seq: Seq, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) {
    o[f.name] = inRange(f.versions, version) ? fieldValue(f, version, variant, seq, depth) : defaultValue(f);
  }
  return o;
}

export function sampleValue(schema: MessageSchema, version: number, variant: Variant): Record<string, unknown> {
  return struct(schema.fields, version, variant, new Seq(), 0);
}

export function* versionsOf(schema: MessageSchema): Generator<number> {
  for (let v = schema.validVersions[0]; v <= schema.validVersions[1]; v++) yield v;
}

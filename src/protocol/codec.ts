// The codec: turns a MessageSchema (one declaration, every version) into a plan for one version,
// compiled once and cached, then decodes and encodes plain objects with it. The plan is data read
// by a switch (no closures, regexps or JSON per call). Flexible versions use compact lengths and
// a tagged-field section after every struct; known tags decode into the object, unknown ones are
// skipped, and on encode a tagged field is written only when it differs from its default.
//
// Values: int64 as a JS number; uuid as 32 hex chars; bytes and records decode to subarrays of the
// input (no copy); records encode from Buffer | Buffer[] | null by reference. A field absent from
// the version decodes to its default (see messages/schema.ts) and is skipped on encode; an
// undefined field on encode takes its default; null on a version where the field is not nullable
// is written as the empty value ('' / [] / empty bytes / default struct).

import { ProtocolError } from './primitives/protocol-error.js';
import type { Reader } from './primitives/reader.js';
import { Writer } from './primitives/writer.js';
import {
  EMPTY_BUFFER, defaultValue, inRange,
  type FieldSchema, type MessageSchema, type PrimitiveType,
} from './messages/schema.js';

export type Message = Record<string, any>;
export type { MessageSchema } from './messages/schema.js';

const INT8 = 0, INT16 = 1, INT32 = 2, INT64 = 3, UINT16 = 4, UINT32 = 5, FLOAT64 = 6, BOOL = 7,
  UUID = 8, STRING = 9, BYTES = 10, RECORDS = 11, STRUCT = 12, ARRAY = 13;

const OPS: Record<PrimitiveType | 'struct' | 'array', number> = {
  int8: INT8, int16: INT16, int32: INT32, int64: INT64, uint16: UINT16, uint32: UINT32,
  float64: FLOAT64, bool: BOOL, uuid: UUID, string: STRING, bytes: BYTES, records: RECORDS,
  struct: STRUCT, array: ARRAY,
};
const FIXED_SIZE = [1, 2, 4, 8, 2, 4, 8, 1, 16];

/** How one value is read and written at one version. */
interface ValuePlan {
  readonly op: number;
  readonly nullable: boolean;
  readonly compact: boolean;
  readonly struct: StructPlan | null;
  readonly elem: ValuePlan | null;
  /** fewest bytes one value can take; bounds array counts against the bytes left */
  readonly minSize: number;
}

const REGULAR = 0, ABSENT = 1, TAGGED = 2;

interface FieldPlan extends ValuePlan {
  readonly key: string;
  readonly mode: number;
  readonly tag: number;
  readonly schema: FieldSchema;
  /** immutable default, or undefined when a fresh one must be built (arrays, structs) */
  readonly def: unknown;
  /** value written for undefined, or for null where not nullable */
  readonly encDef: unknown;
}

interface StructPlan {
  /** every field in declaration order, so decoded objects share one shape */
  readonly all: readonly FieldPlan[];
  /** fields on the wire in this version, in order */
  readonly regular: readonly FieldPlan[];
  /** tagged fields of this version, by ascending tag */
  readonly tagged: readonly FieldPlan[];
  readonly byTag: readonly (FieldPlan | undefined)[];
  readonly flexible: boolean;
  readonly minSize: number;
}

const EMPTY_ARRAY: readonly unknown[] = Object.freeze([]);
const EMPTY_OBJECT: Message = Object.freeze({});

function minSizeOf(op: number, compact: boolean, nullable: boolean, struct: StructPlan | null): number {
  if (op < STRING) return FIXED_SIZE[op]!;
  if (op === STRING) return compact ? 1 : 2;
  if (op === STRUCT) return nullable || struct === null ? 1 : struct.minSize;
  return compact ? 1 : 4;
}

function elementPlan(f: FieldSchema, version: number, flexible: boolean): ValuePlan {
  const op = OPS[f.element!];
  const struct = op === STRUCT ? compileStruct(f.fields!, version, flexible) : null;
  return { op, nullable: false, compact: flexible, struct, elem: null, minSize: minSizeOf(op, flexible, false, struct) };
}

function encodeDefault(f: FieldSchema, nullable: boolean): unknown {
  if (f.default === null && nullable) return null;
  if (f.default !== undefined && f.default !== null) return f.default;
  switch (f.kind) {
    case 'array': return EMPTY_ARRAY;
    case 'struct': return EMPTY_OBJECT;
    case 'bytes': case 'records': return EMPTY_BUFFER;
    default: return defaultValue({ ...f, default: undefined });
  }
}

function compileField(f: FieldSchema, version: number, flexible: boolean): FieldPlan {
  const present = inRange(f.versions, version);
  const tagged = present && f.tag >= 0 && flexible;
  const nullable = present && inRange(f.nullableVersions, version);
  const op = OPS[f.kind];
  const struct = present && op === STRUCT ? compileStruct(f.fields!, version, flexible) : null;
  const elem = present && op === ARRAY ? elementPlan(f, version, flexible) : null;
  const fresh = f.default === undefined && (f.kind === 'array' || f.kind === 'struct');
  return {
    key: f.name,
    mode: !present ? ABSENT : tagged ? TAGGED : REGULAR,
    tag: tagged ? f.tag : -1,
    schema: f,
    def: fresh ? undefined : defaultValue(f),
    encDef: encodeDefault(f, nullable),
    op, nullable, compact: flexible, struct, elem,
    minSize: minSizeOf(op, flexible, nullable, struct),
  };
}

function compileStruct(fields: readonly FieldSchema[], version: number, flexible: boolean): StructPlan {
  const all = fields.map((f) => compileField(f, version, flexible));
  const regular = all.filter((f) => f.mode === REGULAR);
  const tagged = all.filter((f) => f.mode === TAGGED).sort((a, b) => a.tag - b.tag);
  const byTag: (FieldPlan | undefined)[] = [];
  for (const f of tagged) byTag[f.tag] = f;
  let minSize = flexible ? 1 : 0;
  for (const f of regular) minSize += f.minSize;
  return { all, regular, tagged, byTag, flexible, minSize };
}

const plans = new WeakMap<MessageSchema, StructPlan[]>();

function planFor(schema: MessageSchema, version: number): StructPlan {
  let byVersion = plans.get(schema);
  if (byVersion === undefined) plans.set(schema, (byVersion = []));
  let p = byVersion[version];
  if (p === undefined) {
    if (!inRange(schema.validVersions, version)) {
      throw new ProtocolError(`${schema.name} has no version ${version} (valid ${schema.validVersions[0]}-${schema.validVersions[1]})`);
    }
    p = byVersion[version] = compileStruct(schema.fields, version, version >= schema.flexibleFrom);
  }
  return p;
}

// ---- decode ----------------------------------------------------------------------------------

function readValue(p: ValuePlan, r: Reader): unknown {
  switch (p.op) {
    case INT8: return r.int8();
    case INT16: return r.int16();
    case INT32: return r.int32();
    case INT64: return r.int64();
    case UINT16: return r.uint16();
    case UINT32: return r.uint32();
    case FLOAT64: return r.float64();
    case BOOL: return r.bool();
    case UUID: return r.uuid();
    case STRING:
      if (p.compact) return p.nullable ? r.compactNullableString() : r.compactString();
      return p.nullable ? r.nullableString() : r.string();
    case BYTES:
    case RECORDS: {
      const b = p.compact ? r.compactBytes() : r.bytes();
      if (b === null && !p.nullable) throw new ProtocolError('non-nullable bytes field is null');
      return b;
    }
    case STRUCT:
      if (p.nullable && r.int8() < 0) return null;
      return decodeStruct(p.struct!, r);
    default: {
      const n = r.arrayLength(p.compact, p.elem!.minSize);
      if (n < 0) {
        if (!p.nullable) throw new ProtocolError('non-nullable array is null');
        return null;
      }
      const elem = p.elem!;
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(readValue(elem, r));
      return out;
    }
  }
}

function readTaggedFields(s: StructPlan, r: Reader, o: Message): void {
  const count = r.uvarint();
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    r.need(size);
    const end = r.offset + size;
    const f = s.byTag[tag];
    if (f === undefined) {
      r.offset = end;
      continue;
    }
    o[f.key] = readValue(f, r);
    if (r.offset !== end) throw new ProtocolError(`tagged field ${f.key} (tag ${tag}) size ${size} does not match its content`);
  }
}

function decodeStruct(s: StructPlan, r: Reader): Message {
  const o: Message = {};
  const all = s.all;
  for (let i = 0; i < all.length; i++) {
    const f = all[i]!;
    o[f.key] = f.mode === REGULAR ? readValue(f, r) : f.def !== undefined ? f.def : defaultValue(f.schema);
  }
  if (s.flexible) readTaggedFields(s, r, o);
  return o;
}

export function decodeMessage(schema: MessageSchema, version: number, reader: Reader): Message {
  return decodeStruct(planFor(schema, version), reader);
}

// ---- encode ----------------------------------------------------------------------------------

function writeRecords(p: ValuePlan, v: Buffer | Buffer[] | null, w: Writer): void {
  if (v === null) {
    if (p.compact) w.uvarint(0);
    else w.int32(-1);
    return;
  }
  let len = 0;
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) len += v[i]!.length;
  else len = v.length;
  if (p.compact) w.uvarint(len + 1);
  else w.int32(len);
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) w.rawRef(v[i]!);
  else w.rawRef(v);
}

function writeValue(p: ValuePlan, v: any, w: Writer): void {
  switch (p.op) {
    case INT8: w.int8(v); return;
    case INT16: w.int16(v); return;
    case INT32: w.int32(v); return;
    case INT64: w.int64(v); return;
    case UINT16: w.uint16(v); return;
    case UINT32: w.uint32(v); return;
    case FLOAT64: w.float64(v); return;
    case BOOL: w.bool(v); return;
    case UUID: w.uuid(v); return;
    case STRING:
      if (p.compact) w.compactNullableString(v);
      else w.nullableString(v);
      return;
    case BYTES:
      if (p.compact) w.compactBytes(v);
      else w.bytes(v);
      return;
    case RECORDS: writeRecords(p, v, w); return;
    case STRUCT:
      if (p.nullable) {
        if (v === null) { w.int8(-1); return; }
        w.int8(1);
      }
      encodeStruct(p.struct!, v, w);
      return;
    default: {
      if (v === null) {
        if (p.compact) w.uvarint(0);
        else w.int32(-1);
        return;
      }
      const n = v.length;
      if (p.compact) w.uvarint(n + 1);
      else w.int32(n);
      const elem = p.elem!;
      for (let i = 0; i < n; i++) writeValue(elem, v[i], w);
    }
  }
}

/** Whether a value equals its field's default (tagged fields at their default are not written). */
function isDefault(f: FieldPlan, v: unknown): boolean {
  if (v === undefined) return true;
  const d = f.schema.default;
  if (d === null) return v === null;
  if (v === null) return false;
  switch (f.op) {
    case BYTES: case RECORDS: return (v as Buffer).length === 0;
    case ARRAY: return (v as unknown[]).length === 0;
    case STRUCT: {
      for (const sf of f.struct!.all) if (sf.mode !== ABSENT && !isDefault(sf, (v as Message)[sf.key])) return false;
      return true;
    }
    default: return v === d;
  }
}

function writeTaggedFields(s: StructPlan, o: Message, w: Writer): void {
  const tagged = s.tagged;
  let count = 0;
  for (let i = 0; i < tagged.length; i++) if (!isDefault(tagged[i]!, o[tagged[i]!.key])) count++;
  w.uvarint(count);
  if (count === 0) return;
  for (let i = 0; i < tagged.length; i++) {
    const f = tagged[i]!;
    let v = o[f.key];
    if (isDefault(f, v)) continue;
    if (v === null && !f.nullable) v = f.encDef;
    const tmp = new Writer(64);
    writeValue(f, v, tmp);
    w.uvarint(f.tag);
    w.uvarint(tmp.length);
    for (const c of tmp.toChunks()) w.raw(c);
  }
}

function encodeStruct(s: StructPlan, o: Message, w: Writer): void {
  const regular = s.regular;
  for (let i = 0; i < regular.length; i++) {
    const f = regular[i]!;
    let v = o[f.key];
    if (v === undefined || (v === null && !f.nullable)) v = f.encDef;
    writeValue(f, v, w);
  }
  if (s.flexible) writeTaggedFields(s, o, w);
}

export function encodeMessage(schema: MessageSchema, version: number, value: Message, writer: Writer): void {
  encodeStruct(planFor(schema, version), value, writer);
}

// The codec: turns a MessageSchema (one declaration, every version) into a plan for one version,
// compiled once and cached: for each struct a decode and an encode function are generated from
// the plan (straight-line code with the field names and reader/writer calls fixed, so a call does
// no dispatch, closures, regexps or JSON work). Flexible versions use compact lengths and a
// tagged-field section after every struct; known tags decode into the object, unknown ones are
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
  type Decoded, type FieldSchema, type MessageSchema, type PrimitiveType,
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
  readonly flexible: boolean;
  readonly minSize: number;
  readonly decode: (r: Reader) => Message;
  readonly encode: (o: Message, w: Writer) => void;
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
  let minSize = flexible ? 1 : 0;
  for (const f of regular) minSize += f.minSize;
  const plan = { all, regular, tagged, flexible, minSize, decode: unset, encode: unset };
  return Object.assign(plan, generate(plan));
}

function unset(): never {
  throw new Error('struct plan used before its code was generated');
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

// ---- code generation -------------------------------------------------------------------------
// Each struct plan gets `decode(r)` and `encode(o, w)` built once with new Function from the plan.
// Nested structs are called through their own generated functions (D<n>/E<n>); constants the
// code needs (defaults, field plans) are bound once in the factory's prologue.

interface Gen {
  structs: StructPlan[];
}

function structRef(g: Gen, s: StructPlan): number {
  let i = g.structs.indexOf(s);
  if (i < 0) i = g.structs.push(s) - 1;
  return i;
}

const FIXED_READ = ['int8', 'int16', 'int32', 'int64', 'uint16', 'uint32', 'float64', 'bool', 'uuid'];

function readCode(p: ValuePlan, t: string, g: Gen, d: number): string {
  if (p.op < STRING) return `${t} = r.${FIXED_READ[p.op]}();`;
  switch (p.op) {
    case STRING:
      return `${t} = r.${p.compact ? (p.nullable ? 'compactNullableString' : 'compactString') : (p.nullable ? 'nullableString' : 'string')}();`;
    case BYTES:
    case RECORDS:
      return `${t} = r.${p.compact ? 'compactBytes' : 'bytes'}();`
        + (p.nullable ? '' : ` if (${t} === null) throw new PE('non-nullable bytes field is null');`);
    case STRUCT: {
      const s = structRef(g, p.struct!);
      return p.nullable ? `${t} = r.int8() < 0 ? null : D${s}(r);` : `${t} = D${s}(r);`;
    }
    default: {
      const [n, i, a, e] = [`n${d}`, `i${d}`, `a${d}`, `el${d}`];
      return `{ const ${n} = r.arrayLength(${p.compact}, ${p.elem!.minSize});\n`
        + `if (${n} < 0) { ${p.nullable ? `${t} = null;` : 'throw new PE(\'non-nullable array is null\');'} } else {\n`
        + `const ${a} = []; for (let ${i} = 0; ${i} < ${n}; ${i}++) { let ${e}; ${readCode(p.elem!, e, g, d + 1)} ${a}.push(${e}); }\n`
        + `${t} = ${a}; } }`;
    }
  }
}

function writeCode(p: ValuePlan, x: string, w: string, g: Gen, d: number): string {
  if (p.op < STRING) return `${w}.${FIXED_READ[p.op]}(${x});`;
  switch (p.op) {
    case STRING:
      return `${w}.${p.compact ? 'compact' : ''}${p.nullable ? (p.compact ? 'NullableString' : 'nullableString') : (p.compact ? 'String' : 'string')}(${x});`;
    case BYTES:
      return `${w}.${p.compact ? 'compactBytes' : 'bytes'}(${x});`;
    case RECORDS:
      return `writeRecords(${p.compact}, ${x}, ${w});`;
    case STRUCT: {
      const s = structRef(g, p.struct!);
      return p.nullable ? `if (${x} === null) ${w}.int8(-1); else { ${w}.int8(1); E${s}(${x}, ${w}); }` : `E${s}(${x}, ${w});`;
    }
    default: {
      const [n, i, e] = [`n${d}`, `i${d}`, `el${d}`];
      return `if (${x} === null) ${w}.${p.compact ? 'uvarint(0)' : 'int32(-1)'}; else {\n`
        + `const ${n} = ${x}.length; ${w}.${p.compact ? `uvarint(${n} + 1)` : `int32(${n})`};\n`
        + `for (let ${i} = 0; ${i} < ${n}; ${i}++) { const ${e} = ${x}[${i}]; ${writeCode(p.elem!, e, w, g, d + 1)} } }`;
    }
  }
}

function decodeSource(s: StructPlan, g: Gen): string {
  const lines = ['function decode(r) {'];
  const vars = s.all.map((_, i) => `f${i}`);
  if (s.regular.length > 0) lines.push(`let ${s.all.map((f, i) => (f.mode === REGULAR ? vars[i] : '')).filter(Boolean).join(', ')};`);
  s.all.forEach((f, i) => {
    if (f.mode === REGULAR) lines.push(readCode(f, vars[i]!, g, 0));
  });
  const props = s.all.map((f, i) => `${JSON.stringify(f.key)}: ${f.mode === REGULAR ? vars[i] : f.def !== undefined ? `def${i}` : `defaultValue(F[${i}].schema)`}`);
  lines.push(`const o = { ${props.join(', ')} };`);
  if (s.flexible && s.tagged.length === 0) lines.push('r.skipTaggedFields();');
  if (s.tagged.length > 0) {
    lines.push('const tc = r.uvarint();', 'for (let t = 0; t < tc; t++) {',
      'const tag = r.uvarint(); const size = r.uvarint(); r.need(size); const end = r.offset + size;', 'switch (tag) {');
    for (const f of s.tagged) lines.push(`case ${f.tag}: { let v; ${readCode(f, 'v', g, 0)} o[${JSON.stringify(f.key)}] = v; break; }`);
    lines.push('default: r.offset = end; continue;', '}',
      'if (r.offset !== end) throw new PE(`tagged field ${tag} of ${size} bytes does not match its content`);', '}');
  }
  lines.push('return o;', '}');
  return lines.join('\n');
}

function encodeSource(s: StructPlan, g: Gen): string {
  const lines = ['function encode(o, w) {', 'let v;'];
  s.all.forEach((f, i) => {
    if (f.mode !== REGULAR) return;
    lines.push(`v = o[${JSON.stringify(f.key)}]; if (v === undefined${f.nullable ? '' : ' || v === null'}) v = enc${i};`);
    lines.push(writeCode(f, 'v', 'w', g, 0));
  });
  if (s.flexible && s.tagged.length === 0) lines.push('w.int8(0);');
  if (s.tagged.length > 0) {
    lines.push('let tc = 0;');
    s.all.forEach((f, i) => {
      if (f.mode === TAGGED) lines.push(`const t${i} = o[${JSON.stringify(f.key)}]; const w${i} = t${i} !== undefined && !isDefault(F[${i}], t${i}); if (w${i}) tc++;`);
    });
    lines.push('w.uvarint(tc);', 'if (tc > 0) {');
    for (const f of s.tagged) {
      const i = s.all.indexOf(f);
      lines.push(`if (w${i}) { v = t${i}${f.nullable ? '' : ` === null ? enc${i} : t${i}`}; const tw = new Writer(64);`,
        writeCode(f, 'v', 'tw', g, 0), `w.uvarint(${f.tag}); w.uvarint(tw.length); for (const c of tw.toChunks()) w.raw(c); }`);
    }
    lines.push('}');
  }
  lines.push('}');
  return lines.join('\n');
}

function generate(s: StructPlan): Pick<StructPlan, 'decode' | 'encode'> {
  const g: Gen = { structs: [] };
  const dec = decodeSource(s, g);
  const enc = encodeSource(s, g);
  const prologue: string[] = [];
  g.structs.forEach((_, i) => prologue.push(`const D${i} = S[${i}].decode, E${i} = S[${i}].encode;`));
  s.all.forEach((f, i) => {
    if (f.mode !== REGULAR && f.def !== undefined) prologue.push(`const def${i} = F[${i}].def;`);
    if (f.mode !== ABSENT) prologue.push(`const enc${i} = F[${i}].encDef;`);
  });
  const src = `'use strict';\n${prologue.join('\n')}\nreturn { decode: ${dec},\nencode: ${enc} };`;
  const factory = new Function('S', 'F', 'PE', 'Writer', 'defaultValue', 'isDefault', 'writeRecords', src) as (
    ...args: unknown[]
  ) => Pick<StructPlan, 'decode' | 'encode'>;
  return factory(g.structs, s.all, ProtocolError, Writer, defaultValue, isDefault, writeRecords);
}

// ---- helpers the generated code calls ----------------------------------------------------------

function writeRecords(compact: boolean, v: Buffer | Buffer[] | null, w: Writer): void {
  if (v === null) {
    if (compact) w.uvarint(0);
    else w.int32(-1);
    return;
  }
  let len = 0;
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) len += v[i]!.length;
  else len = v.length;
  if (compact) w.uvarint(len + 1);
  else w.int32(len);
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) w.rawRef(v[i]!);
  else w.rawRef(v);
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

// ---- entry points ----------------------------------------------------------------------------

/** A generated schema's decoded type; Message for a schema whose type is not known here. */
export type DecodedOf<T> = unknown extends T ? Message : Decoded<T>;

export function decodeMessage<T>(schema: MessageSchema<T>, version: number, reader: Reader): DecodedOf<T> {
  return planFor(schema, version).decode(reader) as DecodedOf<T>;
}

export function encodeMessage<T>(schema: MessageSchema<T>, version: number, value: unknown extends T ? Message : T, writer: Writer): void {
  planFor(schema, version).encode(value as Message, writer);
}

// The declaration format of the generated message files (hand-written, not generated): each
// message is one `message(...)` call holding a tree of field tuples. This file turns those tuples
// into MessageSchema objects (parsed version ranges, lowerCamelCase keys, resolved defaults) that
// codec.ts compiles into a per-version plan.
//
// A field tuple: [name, type, versions, opts?, fields?]
//   name      lowerCamelCase of Kafka's field name; it is the key in decoded objects
//   type      int8 int16 int32 int64 uint16 uint32 float64 bool uuid string bytes records,
//             '[]T' for an array of primitive T, '{}' for a struct, '[]' for an array of structs
//             (struct fields are the tuple's 5th element)
//   versions  '3+', '0-5', '2' or 'none'
//   opts      { nullable?: versions, tag?: number (tagged in the same versions), default?: value }
//
// Default rule: the declared default when there is one; otherwise null for a field that is
// nullable in some version; otherwise 0, false, '', an all-zero uuid, an empty Buffer, [] or a
// struct of its fields' defaults.

export type PrimitiveType =
  | 'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'uint32' | 'float64'
  | 'bool' | 'uuid' | 'string' | 'bytes' | 'records';

export type DeclType = PrimitiveType | `[]${PrimitiveType}` | '{}' | '[]';

export type DefaultValue = number | string | boolean | null;

export interface FieldOpts {
  readonly nullable?: string;
  readonly tag?: number;
  readonly default?: DefaultValue;
}

export type FieldDecl = readonly [
  name: string,
  type: DeclType,
  versions: string,
  opts?: FieldOpts | null,
  fields?: readonly FieldDecl[],
];

/** Inclusive version range; `none` is [1, 0] (empty); `N+` has hi = Infinity. */
export type VersionRange = readonly [lo: number, hi: number];

export type FieldKind = PrimitiveType | 'struct' | 'array';

export interface FieldSchema {
  readonly name: string;
  readonly kind: FieldKind;
  /** element kind for arrays ('struct' for arrays of structs), else null */
  readonly element: PrimitiveType | 'struct' | null;
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange;
  /** tag number, or -1 when the field is never tagged */
  readonly tag: number;
  /** the default as declared or implied (see the rule above); for arrays/structs only null matters */
  readonly default: DefaultValue | undefined;
  /** fields of a struct or of an array's struct element, else null */
  readonly fields: readonly FieldSchema[] | null;
}

/**
 * A records field's value: decoded, a view of the request's bytes; to encode, one buffer or
 * several written one after the other (by reference, no copy).
 */
export type Records = Buffer | readonly Buffer[];

/**
 * A message as the decoder answers it: every field is there, a field of a version that lacks it
 * holding its default, and records are one buffer (never the chunk list an encoder accepts).
 * The generated `<Name>Data` types describe what may be encoded, over all versions.
 */
export type Decoded<T> = T extends Buffer ? T
  : T extends readonly Buffer[] ? never
  : T extends readonly (infer E)[] ? Decoded<E>[]
  : T extends object ? { -readonly [K in keyof T]-?: Decoded<Exclude<T[K], undefined>> }
  : T;

export interface MessageSchema<T = unknown> {
  readonly name: string;
  /** -1 for data structures without an api key */
  readonly apiKey: number;
  readonly validVersions: VersionRange;
  /** first flexible version, Infinity if never flexible */
  readonly flexibleFrom: number;
  readonly latestVersionUnstable: boolean;
  readonly fields: readonly FieldSchema[];
  /** Never set: carries the message's type, `<Name>Data`, to the codec's callers. */
  readonly __type?: T;
}

export const ZERO_UUID = '00000000000000000000000000000000';
export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);
const NONE: VersionRange = [1, 0];

export function parseVersions(s: string): VersionRange {
  if (s === 'none') return NONE;
  if (s.endsWith('+')) return [Number(s.slice(0, -1)), Infinity];
  const dash = s.indexOf('-');
  const r: VersionRange = dash < 0 ? [Number(s), Number(s)] : [Number(s.slice(0, dash)), Number(s.slice(dash + 1))];
  if (!Number.isInteger(r[0]) || !(Number.isInteger(r[1]) || r[1] === Infinity)) throw new Error(`bad version range '${s}'`);
  return r;
}

export function inRange(r: VersionRange, v: number): boolean {
  return v >= r[0] && v <= r[1];
}

function zeroValue(kind: FieldKind): DefaultValue | undefined {
  switch (kind) {
    case 'int8': case 'int16': case 'int32': case 'int64':
    case 'uint16': case 'uint32': case 'float64':
      return 0;
    case 'bool': return false;
    case 'string': return '';
    case 'uuid': return ZERO_UUID;
    default: return undefined; // bytes, records, arrays, structs: built fresh by defaultValue()
  }
}

function field(d: FieldDecl): FieldSchema {
  const [name, type, versions, opts, sub] = d;
  let kind: FieldKind;
  let element: PrimitiveType | 'struct' | null = null;
  if (type === '{}') kind = 'struct';
  else if (type === '[]') { kind = 'array'; element = 'struct'; }
  else if (type.startsWith('[]')) { kind = 'array'; element = type.slice(2) as PrimitiveType; }
  else kind = type as PrimitiveType;
  const nullableVersions = opts?.nullable !== undefined ? parseVersions(opts.nullable) : NONE;
  let def: DefaultValue | undefined;
  if (opts?.default !== undefined) def = opts.default;
  else if (nullableVersions[0] <= nullableVersions[1]) def = null;
  else def = zeroValue(kind);
  return {
    name, kind, element,
    versions: parseVersions(versions),
    nullableVersions,
    tag: opts?.tag ?? -1,
    default: def,
    fields: sub ? sub.map(field) : null,
  };
}

/** Build a MessageSchema from its declaration (called once per message at module load). */
export function message<T>(
  name: string,
  apiKey: number,
  validVersions: string,
  flexibleVersions: string,
  fields: readonly FieldDecl[],
  latestVersionUnstable = false,
): MessageSchema<T> {
  const flex = parseVersions(flexibleVersions);
  return {
    name, apiKey,
    validVersions: parseVersions(validVersions),
    flexibleFrom: flex[0] <= flex[1] ? flex[0] : Infinity,
    latestVersionUnstable,
    fields: fields.map(field),
  };
}

/** A fresh default value for a field (new arrays/objects each call, so callers may mutate them). */
export function defaultValue(f: FieldSchema): unknown {
  if (f.default !== undefined) return f.default;
  switch (f.kind) {
    case 'bytes': case 'records': return EMPTY_BUFFER;
    case 'array': return [];
    case 'struct': return defaultStruct(f.fields!);
    default: return zeroValue(f.kind);
  }
}

export function defaultStruct(fields: readonly FieldSchema[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) o[f.name] = defaultValue(f);
  return o;
}

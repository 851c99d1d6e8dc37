// Kafka's config value types (int, long, boolean, list, string) read from text, and the range
// validators the key table attaches to them. Parsers and validators return a problem message or
// throw nothing; the caller turns a message into a ConfigError naming the key.

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };
export type Parser<T> = (raw: string) => Parsed<T>;
/** Returns a problem message, or null when the value is acceptable. */
export type Validator<T> = (value: T) => string | null;

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const WHOLE = /^[+-]?\d+$/;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (problem: string): Parsed<never> => ({ ok: false, problem });

/** Java int: a whole number in [-2^31, 2^31-1]. */
export const parseInt32: Parser<number> = (raw) => {
  const s = raw.trim();
  if (!WHOLE.test(s)) return bad(`'${raw}' is not a whole number`);
  const n = Number(s);
  if (n < INT_MIN || n > INT_MAX) return bad(`'${raw}' does not fit in an int`);
  return ok(n);
};

/**
 * Java long: a whole number in [-2^63, 2^63-1]. Values beyond JavaScript's safe integers are
 * clamped to +/-Number.MAX_SAFE_INTEGER, so Long.MAX_VALUE ("never") stays "never".
 */
export const parseInt64: Parser<number> = (raw) => {
  const s = raw.trim();
  if (!WHOLE.test(s)) return bad(`'${raw}' is not a whole number`);
  const n = BigInt(s);
  if (n < LONG_MIN || n > LONG_MAX) return bad(`'${raw}' does not fit in a long`);
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  if (n > max) return ok(Number.MAX_SAFE_INTEGER);
  if (n < -max) return ok(-Number.MAX_SAFE_INTEGER);
  return ok(Number(n));
};

export const parseBoolean: Parser<boolean> = (raw) => {
  const s = raw.trim().toLowerCase();
  if (s === 'true') return ok(true);
  if (s === 'false') return ok(false);
  return bad(`'${raw}' is not a boolean (true or false)`);
};

export const parseString: Parser<string> = (raw) => ok(raw.trim());

/** Comma-separated list; whitespace around items is dropped, an empty value is an empty list. */
export const parseList: Parser<string[]> = (raw) => {
  const s = raw.trim();
  return ok(s === '' ? [] : s.split(/\s*,\s*/));
};

export function atLeast(min: number): Validator<number> {
  return (v) => (v >= min ? null : `value ${v} must be at least ${min}`);
}

export function between(min: number, max: number): Validator<number> {
  return (v) => (v >= min && v <= max ? null : `value ${v} must be in [${min}, ${max}]`);
}

export function oneOf(...allowed: string[]): Validator<string> {
  return (v) => (allowed.includes(v) ? null : `'${v}' must be one of ${allowed.join(', ')}`);
}

export function nonEmptyList(): Validator<string[]> {
  return (v) => (v.length > 0 && v.every((s) => s !== '') ? null : 'must list at least one non-empty entry');
}

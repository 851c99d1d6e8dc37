// parseProperties: the Java .properties text format as server.properties uses it.
// Logical lines join natural lines that end in an odd number of backslashes; `#` and `!` start
// comment lines; a key ends at the first unescaped `=`, `:` or whitespace; escapes \t \n \r \f,
// \uXXXX and \<any> (that character itself). A repeated key keeps its last value.

import { ConfigError } from './errors.js';

const WHITESPACE = new Set([' ', '\t', '\f']);

export function parseProperties(text: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const line of logicalLines(text)) {
    const [key, value] = splitKeyValue(line);
    props.set(key, value);
  }
  return props;
}

/** Yields logical lines with continuations joined, comments and blank lines dropped. */
function* logicalLines(text: string): Generator<string> {
  const natural = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < natural.length; i++) {
    let line = trimLeading(natural[i]!);
    if (line === '' || line[0] === '#' || line[0] === '!') continue;
    while (endsWithOddBackslashes(line) && i + 1 < natural.length) {
      line = line.slice(0, -1) + trimLeading(natural[++i]!);
    }
    if (endsWithOddBackslashes(line)) line = line.slice(0, -1); // continuation at end of input
    yield line;
  }
}

function trimLeading(s: string): string {
  let i = 0;
  while (i < s.length && WHITESPACE.has(s[i]!)) i++;
  return s.slice(i);
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

function splitKeyValue(line: string): [string, string] {
  let end = 0;
  while (end < line.length) {
    const c = line[end]!;
    if (c === '\\') end += 2;
    else if (c === '=' || c === ':' || WHITESPACE.has(c)) break;
    else end++;
  }
  end = Math.min(end, line.length);
  const key = unescape(line.slice(0, end), line.slice(0, end));
  let rest = trimLeading(line.slice(end));
  if (rest[0] === '=' || rest[0] === ':') rest = trimLeading(rest.slice(1));
  return [key, unescape(rest, key)];
}

const SIMPLE_ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(s: string, key: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = s[++i];
    if (e === undefined) break;
    if (e === 'u') {
      const hex = s.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ConfigError(key, `malformed \\uXXXX escape '\\u${hex}'`);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += SIMPLE_ESCAPES[e] ?? e;
    }
  }
  return out;
}

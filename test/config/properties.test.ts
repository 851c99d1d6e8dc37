// parseProperties: Java .properties rules (comments, separators, continuations, escapes).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseProperties } from '../../src/config/index.js';

const entries = (text: string) => Object.fromEntries(parseProperties(text));

test('comments and blank lines are skipped', () => {
  assert.deepEqual(entries('# a comment\n! another\n\n   \n  # indented comment\na=1\n'), { a: '1' });
});

test('= : and whitespace separate key from value', () => {
  assert.deepEqual(entries('a=1\nb:2\nc 3\nd = 4\ne\t:\t5\nf  =  six  seven'), {
    a: '1', b: '2', c: '3', d: '4', e: '5', f: 'six  seven',
  });
});

test('leading whitespace is trimmed, a key alone has an empty value', () => {
  assert.deepEqual(entries('   indented=yes\nlonely\nempty='), { indented: 'yes', lonely: '', empty: '' });
});

test('backslash continues a line; the next line loses its leading whitespace', () => {
  const text = 'listeners=PLAINTEXT://:9092,\\\n    CONTROLLER://:9093\nnext=1';
  assert.deepEqual(entries(text), { listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093', next: '1' });
});

test('an even run of backslashes does not continue the line', () => {
  assert.deepEqual(entries('a=x\\\\\nb=2'), { a: 'x\\', b: '2' });
});

test('CRLF and CR line endings', () => {
  assert.deepEqual(entries('a=1\r\nb=2\rc=3\\\r\n  4'), { a: '1', b: '2', c: '34' });
});

test('escapes: \\t \\n \\uXXXX \\\\ and escaped separators in keys', () => {
  assert.deepEqual(entries('tab=a\\tb\nnl=a\\nb\nuni=\\u0041\\u00e9\nback=c:\\\\dir\nk\\=e\\:y\\ z=v\nother=\\q'), {
    tab: 'a\tb', nl: 'a\nb', uni: 'Aé', back: 'c:\\dir', 'k=e:y z': 'v', other: 'q',
  });
});

test('# inside a value or a continuation is kept', () => {
  assert.deepEqual(entries('a=x#y\nb=1,\\\n#2'), { a: 'x#y', b: '1,#2' });
});

test('a repeated key keeps its last value', () => {
  assert.deepEqual(entries('a=1\na=2'), { a: '2' });
});

test('a malformed \\u escape is a ConfigError naming the key', () => {
  assert.throws(() => parseProperties('bad.key=\\u12'), (e) => e instanceof ConfigError && e.key === 'bad.key');
});

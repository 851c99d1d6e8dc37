// The README's table of served APIs matches what the broker advertises in ApiVersions, at the
// oldest (v0) and newest (v4, flexible) versions alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { brokerWithClient } from '../helpers/broker-with-client.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

function readmeTable(): { apiKey: number; minVersion: number; maxVersion: number }[] {
  const text = fs.readFileSync(README, 'utf8');
  const table = text.slice(text.indexOf('<!-- api-table:start -->'), text.indexOf('<!-- api-table:end -->'));
  return table.split('\n')
    .map((line) => /^\|\s*(\w+)\s*\|\s*(\d+)\s*\|\s*(\d+)(?:-(\d+))?/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ apiKey: Number(m[2]), minVersion: Number(m[3]), maxVersion: Number(m[4] ?? m[3]) }));
}

const env = brokerWithClient();

for (const version of [0, 1, 2, 3, 4]) {
  test(`ApiVersions v${version} advertises exactly the README's table`, async () => {
    const body = version >= 3 ? { clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1.0' } : {};
    const res = await env.client.request(ApiKey.ApiVersions, version, body);
    assert.equal(res.errorCode, 0);
    const advertised = (res.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[])
      .map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }));
    const table = readmeTable();
    assert.ok(table.length > 0, 'README has an API table');
    assert.deepEqual(advertised, table.sort((a, b) => a.apiKey - b.apiKey));
  });
}

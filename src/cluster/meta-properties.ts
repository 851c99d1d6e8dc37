// meta.properties in each log dir, as Kafka writes it: the node id and cluster id this
// directory belongs to. Read at start-up; a directory of another node stops the broker.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export class MetaPropertiesError extends Error {}

/** A random cluster id in Kafka's form: 16 bytes, URL-safe base64 without padding. */
export function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

function read(file: string): Map<string, string> | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq > 0) out.set(t.slice(0, eq).trim(), t.slice(eq + 1).trim());
  }
  return out;
}

/** Checks or writes meta.properties in every log dir; answers the cluster id in force. */
export function ensureMetaProperties(logDirs: string[], nodeId: number, configured: string | null): string {
  let clusterId = configured;
  for (const dir of logDirs) {
    const meta = read(path.join(dir, 'meta.properties'));
    if (meta === null) continue;
    const metaNode = meta.get('node.id');
    if (metaNode !== undefined && Number(metaNode) !== nodeId) {
      throw new MetaPropertiesError(`${dir}/meta.properties belongs to node.id ${metaNode}, not ${nodeId}`);
    }
    const metaCluster = meta.get('cluster.id');
    if (metaCluster !== undefined) {
      if (clusterId !== null && clusterId !== metaCluster) {
        throw new MetaPropertiesError(`${dir}/meta.properties has cluster.id ${metaCluster}, expected ${clusterId}`);
      }
      clusterId = metaCluster;
    }
  }
  clusterId ??= newClusterId();
  for (const dir of logDirs) {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'meta.properties');
    if (read(file) !== null) continue;
    const directoryId = randomBytes(16).toString('base64url');
    fs.writeFileSync(file, `version=1\nnode.id=${nodeId}\ncluster.id=${clusterId}\ndirectory.id=${directoryId}\n`);
  }
  return clusterId;
}

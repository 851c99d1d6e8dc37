// From raw key=value strings to a BrokerConfig: each key is read through the key table (an error
// names the key), settings that ask for protection Samsa lacks stop start-up (security.ts), unknown
// and not-yet-used keys become warnings, then the fields that several
// keys decide (derive.ts) are filled in.

import type { BrokerConfig } from './broker-config.js';
import { deriveFields } from './derive.js';
import { ConfigError } from './errors.js';
import { NOT_USED_BY_SAMSA } from './kafka-keys.js';
import { KEY_TABLE, KEYS } from './keys.js';
import { refuseUnprotectedSettings } from './security.js';
import { Settings } from './settings.js';

export function resolveConfig(raw: ReadonlyMap<string, string>): { config: BrokerConfig; warnings: string[] } {
  refuseUnprotectedSettings(raw);
  const warnings: string[] = [];
  const settings = readSettings(raw, warnings);
  const fields: Record<string, unknown> = {};
  for (const def of KEY_TABLE) {
    if (def.field !== null) fields[def.field] = settings.get(def.key);
  }
  const config = fields as unknown as BrokerConfig;
  config.staticConfigs = Object.fromEntries([...raw].filter(([key]) => KEYS.has(key)));
  deriveFields(config, settings, warnings);
  return { config, warnings };
}

function readSettings(raw: ReadonlyMap<string, string>, warnings: string[]): Settings {
  const settings = new Settings();
  const setBy = new Map<string, string>(); // target key -> the key (itself or an alias) that set it
  for (const [key, text] of raw) {
    const def = KEYS.get(key);
    if (!def) {
      if (NOT_USED_BY_SAMSA.has(key)) warnings.push(`config key '${key}' is a Kafka setting not used by samsa; ignored`);
      else warnings.push(`unknown config key '${key}' ignored`);
      continue;
    }
    const parsed = def.read(text);
    if (!parsed.ok) throw new ConfigError(key, parsed.problem);
    const target = def.aliasOf ?? key;
    const other = setBy.get(target);
    if (other !== undefined && settings.get(target) !== parsed.value) {
      throw new ConfigError(key, `conflicts with ${other}=${String(settings.get(target))}`);
    }
    setBy.set(target, key);
    settings.set(target, parsed.value);
  }
  return settings;
}

// loadConfig: the command line as kafka-server-start.sh takes it (a properties file, then
// `--override key=value` any number of times; later wins, overrides beat the file), and
// defaultConfig for code and tests that start a broker without one.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrokerConfig } from './broker-config.js';
import { ConfigError } from './errors.js';
import { parseProperties } from './properties.js';
import { resolveConfig } from './resolve.js';

export interface CommandLine {
  configFile: string | null;
  overrides: Map<string, string>;
}

export function defaultConfig(): BrokerConfig {
  return resolveConfig(new Map()).config;
}

export function loadConfig(argv: string[]): { config: BrokerConfig; warnings: string[] } {
  const cmd = parseCommandLine(argv);
  const raw = cmd.configFile === null ? new Map<string, string>() : readConfigFile(cmd.configFile);
  for (const [key, value] of cmd.overrides) raw.set(key, value);
  return resolveConfig(raw);
}

export function parseCommandLine(argv: string[]): CommandLine {
  const cmd: CommandLine = { configFile: null, overrides: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = flag === arg ? undefined : arg.slice(eq + 1);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ConfigError(flag, 'needs a value');
      return v;
    };
    if (flag === '--config') cmd.configFile = value();
    else if (flag === '--override') addOverride(cmd, value());
    else if (i === 0 && !arg.startsWith('-')) cmd.configFile = arg;
    else if (arg.startsWith('-')) throw new ConfigError(flag, 'unknown command-line flag');
    else throw new ConfigError(arg, 'unexpected argument (the config file comes first, or after --config)');
  }
  return cmd;
}

function addOverride(cmd: CommandLine, kv: string): void {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new ConfigError('--override', `'${kv}' is not key=value`);
  const key = kv.slice(0, eq).trim();
  cmd.overrides.delete(key); // keep insertion order = command-line order
  cmd.overrides.set(key, kv.slice(eq + 1));
}

function readConfigFile(file: string): Map<string, string> {
  const abs = path.resolve(process.cwd(), file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
    throw new ConfigError('--config', `config file '${abs}' ${why}`);
  }
  return parseProperties(text);
}

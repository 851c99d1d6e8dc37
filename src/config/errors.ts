// ConfigError: the one error the config room throws; `key` names the setting (or command-line flag) at fault.

export class ConfigError extends Error {
  readonly key: string;

  constructor(key: string, message: string) {
    super(`${key}: ${message}`);
    this.name = 'ConfigError';
    this.key = key;
  }
}

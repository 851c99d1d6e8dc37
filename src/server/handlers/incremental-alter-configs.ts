// IncrementalAlterConfigs (44), versions 0-1, validate-only included: each topic resource's configs
// change by the operations given, SET (0), DELETE (1: back to the broker's default), APPEND (2) and
// SUBTRACT (3) on list configs (cleanup.policy), starting from the value in effect. See
// config-resources.ts for how changes apply; a key named twice or an unknown operation is
// INVALID_REQUEST, an unknown key, a bad value or APPEND/SUBTRACT on a non-list key INVALID_CONFIG.
import { ConfigType, TOPIC_CONFIGS, topicConfigValue } from '../../cluster/topic-config.js';
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import type { ApiHandler } from '../dispatcher.js';
import { alterResources, duplicateName, refuse, type Resource } from './config-resources.js';

interface IncrementalResource extends Resource { configs: { name: string; configOperation: number; value: string | null }[] }

const Op = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

export const incrementalAlterConfigs: ApiHandler = {
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const { config } = ctx.broker;
    const responses = await alterResources(ctx, req.resources as IncrementalResource[], req.validateOnly === true, (r, topic) => {
      const duplicate = duplicateName(r.configs.map((c) => c.name));
      if (duplicate !== undefined) return refuse(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${duplicate}`);
      const configs = { ...topic.configs };
      for (const c of r.configs) {
        const def = TOPIC_CONFIGS[c.name];
        if (def === undefined) return refuse(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${c.name}`);
        switch (c.configOperation) {
          case Op.SET:
            if (c.value === null) return refuse(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`);
            configs[c.name] = c.value;
            break;
          case Op.DELETE:
            delete configs[c.name];
            break;
          case Op.APPEND:
          case Op.SUBTRACT: {
            if (def.type !== ConfigType.LIST) return refuse(ErrorCode.INVALID_CONFIG, `Config value append/subtract is not allowed for config key: ${c.name}`);
            const current = topicConfigValue(config, configs, c.name).split(',').map((v) => v.trim()).filter((v) => v !== '');
            const given = (c.value ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
            const next = c.configOperation === Op.APPEND
              ? [...current, ...given.filter((v) => !current.includes(v))]
              : current.filter((v) => !given.includes(v));
            configs[c.name] = next.join(',');
            break;
          }
          default:
            return refuse(ErrorCode.INVALID_REQUEST, `Unknown config operation ${c.configOperation} for ${c.name}`);
        }
      }
      return { configs };
    });
    return { throttleTimeMs: 0, responses };
  },
};

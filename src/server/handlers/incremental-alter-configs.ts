// IncrementalAlterConfigs (44), versions 0-1, validate-only included: each resource's own configs (a
// topic's, a group's, the broker's dynamic ones) change by the operations given, SET (0), DELETE (1:
// back to its default), APPEND (2) and SUBTRACT (3) on list configs (cleanup.policy), starting from
// the value in effect. See config-resources.ts for how changes apply; a key named twice or an
// unknown operation is INVALID_REQUEST, an unknown key, a bad value or APPEND/SUBTRACT on a
// non-list key INVALID_CONFIG.
import { ErrorCode } from '../../protocol/errors.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { CONFIG_KINDS } from './config-kinds.js';
import { alterResources, duplicateName, refuse } from './config-resources.js';

const Op = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

const items = (list: string | null): string[] => (list ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');

export const incrementalAlterConfigs = handler('IncrementalAlterConfigs', {
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req): Promise<ResponseOf<'IncrementalAlterConfigs'>> {
    const responses = await alterResources(ctx, req.resources, req.validateOnly, CONFIG_KINDS, (r, kind, own) => {
      const duplicate = duplicateName(r.configs.map((c) => c.name));
      if (duplicate !== undefined) return refuse(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${duplicate}`);
      const configs: Record<string, string> = { ...own };
      for (const c of r.configs) {
        const type = kind.keyType(c.name);
        if (type === undefined) return refuse(ErrorCode.INVALID_CONFIG, kind.unknownKey(c.name));
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
            if (type !== 'list') return refuse(ErrorCode.INVALID_CONFIG, `Config value append/subtract is not allowed for config key: ${c.name}`);
            const current = items(kind.valueInEffect(ctx, r.resourceName, configs, c.name));
            const given = items(c.value);
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
});

// AlterConfigs (33), versions 0-2, validate-only included: each resource's own configs (a topic's,
// a group's, the broker's dynamic ones) are replaced by the set given (a key left out returns to its
// default). See config-resources.ts for how changes apply; a null value is INVALID_REQUEST, an
// unknown key or a bad value INVALID_CONFIG.
import { ErrorCode } from '../../protocol/errors.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { CONFIG_KINDS } from './config-kinds.js';
import { alterResources, duplicateName, refuse } from './config-resources.js';

export const alterConfigs = handler('AlterConfigs', {
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req): Promise<ResponseOf<'AlterConfigs'>> {
    const responses = await alterResources(ctx, req.resources, req.validateOnly, CONFIG_KINDS, (r) => {
      const duplicate = duplicateName(r.configs.map((c) => c.name));
      if (duplicate !== undefined) return refuse(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${duplicate}`);
      const configs: Record<string, string> = {};
      for (const c of r.configs) {
        if (c.value === null) return refuse(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`);
        configs[c.name] = c.value;
      }
      return { configs };
    });
    return { throttleTimeMs: 0, responses };
  },
});

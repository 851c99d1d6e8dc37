// ApiVersions (18), versions 0-4. Answered from the dispatcher's own registry, so what is
// advertised is what is served. An unsupported version is answered by the dispatcher itself
// (error 35, v0 layout). No features are advertised.
import { ErrorCode } from '../../protocol/errors.js';
import { handler, type ResponseOf } from '../dispatcher.js';

export const apiVersions = handler('ApiVersions', {
  minVersion: 0,
  maxVersion: 4,
  handle: (ctx): ResponseOf<'ApiVersions'> => ({
    errorCode: ErrorCode.NONE,
    apiKeys: ctx.apiVersions(),
    throttleTimeMs: 0,
  }),
});

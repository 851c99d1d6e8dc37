// Request and response headers and their version rules. Request header v1 for non-flexible API
// versions, v2 (adds a tagged-field section) for flexible ones; response header v0 or v1 likewise.
// Quirks: ClientId is a classic int16-length string even in header v2; the ApiVersions response
// header is always v0 so any client can read the broker's version ranges; an ApiVersions request
// newer than this broker knows is still read as header v2 (v3 and up are flexible), and answered by
// the dispatcher from its first 8 bytes when the rest does not parse; requests with unknown api
// keys or versions are read as header v1 so the broker can answer UNSUPPORTED_VERSION.

import type { Reader } from './primitives/reader.js';
import type { Writer } from './primitives/writer.js';
import { API_MESSAGES, ApiKey } from './messages/index.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

const API_VERSIONS_FLEXIBLE_FROM = 3;

function isFlexible(apiKey: number, apiVersion: number): boolean {
  if (apiKey === ApiKey.ApiVersions) return apiVersion >= API_VERSIONS_FLEXIBLE_FROM;
  const api = API_MESSAGES.get(apiKey);
  if (api === undefined || apiVersion < api.validVersions[0] || apiVersion > api.validVersions[1]) return false;
  return apiVersion >= api.flexibleFrom;
}

/** 2 for flexible API versions, else 1 (header v0, without ClientId, is only used by ControlledShutdown v0). */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  return isFlexible(apiKey, apiVersion) ? 2 : 1;
}

/** 1 for flexible API versions, else 0; always 0 for ApiVersions. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexible(apiKey, apiVersion) ? 1 : 0;
}

export function decodeRequestHeader(reader: Reader): RequestHeader {
  const apiKey = reader.int16();
  const apiVersion = reader.int16();
  const correlationId = reader.int32();
  const clientId = reader.nullableString();
  if (isFlexible(apiKey, apiVersion)) reader.skipTaggedFields();
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Encode a request header (for tests and tools that act as a client). */
export function encodeRequestHeader(writer: Writer, header: RequestHeader, headerVersion: number): void {
  writer.int16(header.apiKey).int16(header.apiVersion).int32(header.correlationId);
  if (headerVersion >= 1) writer.nullableString(header.clientId);
  if (headerVersion >= 2) writer.uvarint(0);
}

export function encodeResponseHeader(writer: Writer, correlationId: number, headerVersion: number): void {
  writer.int32(correlationId);
  if (headerVersion >= 1) writer.uvarint(0);
}

/** Decode a response header (for tests and tools that act as a client). */
export function decodeResponseHeader(reader: Reader, headerVersion: number): { correlationId: number } {
  const correlationId = reader.int32();
  if (headerVersion >= 1) reader.skipTaggedFields();
  return { correlationId };
}

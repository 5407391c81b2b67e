import type { RemoteFailure } from '../../failure/remote-failure';

/** A reply on the wire: either the responder's result or its failure, so that a failure is not mistaken for data. */
export type RpcReply = { result?: unknown } | { error: RemoteFailure };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value ?? null));
}

export function decodeJson<T = unknown>(bytes: Uint8Array): T {
  return (bytes.length ? JSON.parse(decoder.decode(bytes)) : null) as T;
}

export function isFailureReply(reply: RpcReply): reply is { error: RemoteFailure } {
  return typeof reply === 'object' && reply !== null && 'error' in reply && typeof reply.error === 'object';
}

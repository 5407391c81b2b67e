import { RemoteError } from '../port/message-bus.port';

/** What travels back to a requester when its responder failed: enough to map it to a status at the edge. */
export interface RemoteFailure {
  message: string;
  code: string;
  name: string;
}

/** The code a failure carries when the thrown value had none (a bug rather than a named domain error). */
export const UNKNOWN_FAILURE_CODE = 'UNKNOWN';

/**
 * Responders throw Errors (HangarError has a `code`), but Nest's RPC exception filters throw plain objects
 * (`{ status: 'error', message }`); both must survive the trip.
 */
export function describeFailure(thrown: unknown): RemoteFailure {
  if (thrown instanceof RemoteError) return { message: thrown.message, code: thrown.code, name: thrown.errorName };
  if (typeof thrown === 'object' && thrown !== null) {
    const { message, code, name } = thrown as Record<string, unknown>;
    return {
      message: typeof message === 'string' ? message : String(thrown),
      code: typeof code === 'string' || typeof code === 'number' ? String(code) : UNKNOWN_FAILURE_CODE,
      name: typeof name === 'string' ? name : thrown instanceof Error ? thrown.constructor.name : 'Error',
    };
  }
  return { message: String(thrown), code: UNKNOWN_FAILURE_CODE, name: 'Error' };
}

export function remoteErrorFrom(failure: RemoteFailure): RemoteError {
  return new RemoteError(failure.message, failure.code, failure.name);
}

import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import { describeFailure } from '../failure/remote-failure';

/**
 * Nest's default RPC filter turns every error that is not an RpcException into `Internal server error`, losing the
 * stable `code` of a HangarError. With this filter (`app.useGlobalFilters(new BusExceptionFilter())`) the requester's
 * RemoteError carries the responder's message, code and class name.
 */
@Catch()
export class BusExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    const thrown = exception instanceof RpcException ? rpcExceptionPayload(exception) : exception;
    return throwError(() => describeFailure(thrown));
  }
}

function rpcExceptionPayload(exception: RpcException): unknown {
  const payload = exception.getError();
  return typeof payload === 'object' && payload !== null ? payload : { message: String(payload), name: exception.name };
}

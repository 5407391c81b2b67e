import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';

/** The little of Express's request and response this filter uses. */
interface HttpRequest {
  method: string;
  path: string;
}
interface HttpResponse {
  status(code: number): { json(body: unknown): void };
}
import { PIXEL_STRIPE_MESSAGES, STATUS_BY_CODE } from './error-response';

/**
 * Every error leaves as `{"message"}` (Streampixel's shape), plus `code` on Hangar's own API. Errors with a `code`
 * (HangarError, RemoteError from the query service, EgressRefused…) map through STATUS_BY_CODE; anything else is a
 * bug: 500, logged, with no internals in the body.
 */
@Catch()
export class HangarExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<HttpResponse>();
    const compatible = request.path.startsWith('/pixelStripeApi');

    if (error instanceof HttpException) {
      const body = error.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? error.message);
      response.status(error.getStatus()).json({ message: Array.isArray(message) ? message.join('; ') : String(message) });
      return;
    }
    const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : null;
    const status = code ? STATUS_BY_CODE[code] : undefined;
    if (code && status) {
      const compat = compatible ? PIXEL_STRIPE_MESSAGES[code] : undefined;
      const message = compat?.message || (error as Error).message;
      response.status(compat?.status ?? status).json(compatible ? { message } : { message, code });
      return;
    }
    this.logger.error(`${request.method} ${request.path} failed`, (error as Error)?.stack ?? String(error));
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ message: 'Internal server error' });
  }
}

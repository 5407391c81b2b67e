import { HttpStatus } from '@nestjs/common';

/** One place maps a failure's stable code to an HTTP status. */
export const STATUS_BY_CODE: Record<string, number> = {
  INVALID_INPUT: HttpStatus.BAD_REQUEST,
  EGRESS_REFUSED: HttpStatus.BAD_REQUEST,
  UNAUTHORIZED: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  PROJECT_NOT_FOUND: HttpStatus.NOT_FOUND,
  BUILD_NOT_FOUND: HttpStatus.NOT_FOUND,
  WEBHOOK_NOT_CONFIGURED: HttpStatus.NOT_FOUND,
  WEBHOOK_DELIVERY_NOT_FOUND: HttpStatus.NOT_FOUND,
  WEBHOOK_ENDPOINT_DISABLED: HttpStatus.CONFLICT,
  ILLEGAL_TRANSITION: HttpStatus.CONFLICT,
  WRONG_EXPECTED_VERSION: HttpStatus.CONFLICT,
  BUILD_IS_LIVE: HttpStatus.CONFLICT,
  // The read side (query service) or a webhook test could not be reached over the bus: a retry may succeed.
  NO_RESPONDER: HttpStatus.SERVICE_UNAVAILABLE,
  REQUEST_TIMED_OUT: HttpStatus.SERVICE_UNAVAILABLE,
  BUS_CLOSED: HttpStatus.SERVICE_UNAVAILABLE,
};

/**
 * Streampixel's own words for some failures: its clients compare the message, so the compatible API uses these
 * instead of Hangar's more specific text. (The reference documents 400 for "not distributable".)
 */
export const PIXEL_STRIPE_MESSAGES: Record<string, { status?: number; message: string }> = {
  PROJECT_NOT_FOUND: { message: 'Project not found' },
  BUILD_NOT_FOUND: { message: 'File not found in project' },
  ILLEGAL_TRANSITION: { status: HttpStatus.BAD_REQUEST, message: '' },
};

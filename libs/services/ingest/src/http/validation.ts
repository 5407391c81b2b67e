import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

/**
 * Validation as Streampixel words it: a missing field is "Missing required field: <name>"; otherwise the first
 * broken rule of the first bad field.
 */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    stopAtFirstError: true,
    exceptionFactory: (errors: ValidationError[]) => new BadRequestException({ message: describe(errors[0]) }),
  });
}

function describe(error: ValidationError | undefined): string {
  if (!error) return 'Invalid request';
  if (error.value === undefined || error.value === null || error.value === '') return `Missing required field: ${error.property}`;
  const first = Object.values(error.constraints ?? {})[0];
  if (first) return first;
  return describe(error.children?.[0]);
}

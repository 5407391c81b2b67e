import { registerDecorator, type ValidationOptions } from 'class-validator';

/**
 * An absolute http(s) URL as the WHATWG parser (and so the downloader) reads it. class-validator's IsUrl refuses
 * spellings like `http://[::1]/` or `http://2130706433/`, which would hide them from the egress guard and its
 * clearer "private network" answer.
 */
export function IsHttpUrl(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isHttpUrl',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be an http or https URL`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string') return false;
          try {
            const url = new URL(value);
            return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
          } catch {
            return false;
          }
        },
      },
    });
}

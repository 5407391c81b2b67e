import 'reflect-metadata';
import { MODULE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { IngestModule } from '../ingest.module';
import { openApiDocument } from './openapi-document';

/** Every route the ingest module's controllers serve, as `get /v1/builds/{uploadId}`. */
function servedRoutes(): string[] {
  const controllers: (new (...args: never[]) => object)[] = Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, IngestModule) ?? [];
  const routes: string[] = [];
  for (const controller of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod].toLowerCase();
      const path = ['', base, String(Reflect.getMetadata(PATH_METADATA, handler))]
        .join('/')
        .replace(/\/+/g, '/')
        .replace(/\/$/, '')
        .replace(/:(\w+)/g, '{$1}');
      routes.push(`${method} ${path}`);
    }
  }
  return routes.sort();
}

describe('the OpenAPI document', () => {
  it('lists every route the API serves, and nothing it does not', () => {
    const document = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const listed = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .sort();
    const served = servedRoutes();
    expect(served.length).toBeGreaterThan(20);
    expect(listed).toEqual(served);
  });
});

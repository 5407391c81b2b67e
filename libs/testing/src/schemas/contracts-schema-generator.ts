import { join } from 'node:path';
import { createGenerator, type SchemaGenerator } from 'ts-json-schema-generator';

/**
 * A JSON Schema generator over the types libs/contracts exports, as both the event and the API schemas are made:
 * every type reachable, inlined (no `$ref`), JSDoc descriptions kept, extra properties allowed.
 */
export function contractsSchemaGenerator(root: string): SchemaGenerator {
  return createGenerator({
    path: join(root, 'libs/contracts/src/index.ts'),
    tsconfig: join(root, 'tsconfig.base.json'),
    type: '*',
    expose: 'none',
    topRef: false,
    jsDoc: 'basic',
    skipTypeCheck: true,
    additionalProperties: true,
  });
}

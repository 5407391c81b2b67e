import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_JSON_SCHEMAS } from '@hangar/contracts';
import { API_SCHEMA_TYPES, generateApiSchemas } from './api-schema-generator';
import { apiSchemaModule, apiSchemaModulePath } from './write-event-schemas';

const ROOT = join(__dirname, '..', '..', '..', '..');

describe('the API\'s request and response schemas (libs/contracts/src/schemas/api-schemas.generated.ts)', () => {
  it('are checked in as generated from the current DTOs and views (run `npm run schemas` after changing one)', () => {
    const generated = generateApiSchemas(ROOT);
    expect(Object.keys(generated)).toEqual([...API_SCHEMA_TYPES]);
    expect(readFileSync(apiSchemaModulePath(ROOT), 'utf8')).toBe(apiSchemaModule(generated));
    expect(API_JSON_SCHEMAS).toEqual(generated);
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_JSON_SCHEMAS, PUBLIC_EVENT_TYPES } from '@hangar/contracts';
import { generateEventSchemas } from './event-schema-generator';
import { eventSchemaFiles, eventSchemaModule } from './write-event-schemas';

const ROOT = join(__dirname, '..', '..', '..', '..');

describe('event JSON Schemas (libs/contracts/schemas)', () => {
  const generated = generateEventSchemas(ROOT);
  const { dir, module } = eventSchemaFiles(ROOT);

  it('has one versioned schema per public event type', () => {
    expect(Object.keys(generated).sort()).toEqual(PUBLIC_EVENT_TYPES.map((t) => `${t}.v1`).sort());
  });

  it('are checked in as generated from the current types (run `npm run schemas` after changing an event)', () => {
    const files = Object.fromEntries(readdirSync(dir).map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, f), 'utf8'))]));
    expect(files).toEqual(generated);
    expect(readFileSync(module, 'utf8')).toBe(eventSchemaModule(generated));
    expect(EVENT_JSON_SCHEMAS).toEqual(generated);
  });
});

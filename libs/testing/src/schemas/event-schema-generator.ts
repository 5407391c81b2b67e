import { contractsSchemaGenerator } from './contracts-schema-generator';
import { PUBLIC_EVENT_TYPES } from '@hangar/contracts';

/** Bumped per event type when its shape changes incompatibly (a new type name is the other way, see build-events.ts). */
export const EVENT_SCHEMA_VERSION = 1;
const SCHEMA_ID_BASE = 'https://hangar.dev/schemas/events/';

/**
 * JSON Schema (draft-07) of each public event as the feed and `GET /v1/events` carry it, generated from the
 * TypeScript types in libs/contracts (the `{type, data}` interface named after the event), wrapped in the published
 * envelope. Self-contained (no `$ref`), so each file can be used alone and inside the OpenAPI document.
 */
export function generateEventSchemas(root: string): Record<string, Record<string, unknown>> {
  const generator = contractsSchemaGenerator(root);
  const schemas: Record<string, Record<string, unknown>> = {};
  for (const type of [...PUBLIC_EVENT_TYPES].sort()) {
    const event = generator.createSchema(type) as { properties: { data: unknown } };
    const name = `${type}.v${EVENT_SCHEMA_VERSION}`;
    schemas[name] = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: `${SCHEMA_ID_BASE}${name}.json`,
      title: type,
      description: `The ${type} event (schema version ${EVENT_SCHEMA_VERSION}) as the public event feed and GET /v1/events carry it.`,
      type: 'object',
      required: ['id', 'type', 'stream', 'revision', 'position', 'data', 'metadata', 'recordedAt'],
      properties: {
        id: { type: 'string', description: 'The event id (also `webhook-id` of its webhook, and `Nats-Msg-Id` in the feed).' },
        type: { type: 'string', const: type },
        stream: { type: 'string', pattern: type.startsWith('Project') || type === 'LiveBuildChanged' ? '^project-' : '^build-' },
        revision: { type: 'string', pattern: '^\\d+$', description: 'Position in its stream, from 0 (decimal).' },
        position: { type: 'string', pattern: '^\\d+$', description: 'Position in the whole store (decimal; may exceed 2^53).' },
        data: event.properties.data,
        metadata: {
          type: 'object',
          properties: { correlationId: { type: 'string' }, causationId: { type: 'string' }, actor: { type: 'string' } },
        },
        recordedAt: { type: 'string', format: 'date-time' },
      },
      additionalProperties: false,
    };
  }
  return schemas;
}

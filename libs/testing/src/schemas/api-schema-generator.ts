import { contractsSchemaGenerator } from './contracts-schema-generator';

/**
 * The HTTP API's request bodies and the views it answers with, by the TypeScript type in libs/contracts that defines
 * them (the class-validator DTOs and `http/views.ts`). The OpenAPI document references them by these names.
 */
export const API_SCHEMA_TYPES = [
  'CreateUserBody',
  'CreateProjectBody',
  'UpdateProjectBody',
  'TagBuildBody',
  'CopyBuildBody',
  'ReplayWebhooksBody',
  'UploadFileBody',
  'DistributeFileBody',
  'TestWebhookBody',
  'BuildView',
  'ProjectView',
] as const;

/** JSON Schema of each, generated from the types (self-contained: no `$ref`, usable alone and as an OpenAPI component). */
export function generateApiSchemas(root: string): Record<string, Record<string, unknown>> {
  const generator = contractsSchemaGenerator(root);
  const schemas: Record<string, Record<string, unknown>> = {};
  for (const type of API_SCHEMA_TYPES) {
    const { $schema: _schema, definitions: _definitions, ...schema } = generator.createSchema(type) as Record<string, unknown>;
    schemas[type] = { title: type, ...schema };
  }
  return schemas;
}

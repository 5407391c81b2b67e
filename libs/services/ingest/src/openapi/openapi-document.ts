import { API_JSON_SCHEMAS, EVENT_JSON_SCHEMAS } from '@hangar/contracts';

/**
 * What an operation takes and answers, by the names of the API schemas (`API_JSON_SCHEMAS`, generated from the DTOs
 * and views); `page`: a page (`{items, page, limit, total}`) of that view.
 */
interface Shapes {
  request?: string;
  response?: string;
  page?: string;
}

/** A path of the API as the document lists it: method, path, what it does (details in the README's API table). */
const OPERATIONS: [method: string, path: string, summary: string, shapes?: Shapes][] = [
  ['post', '/v1/admin/users', 'Create a user (admin token); returns its API key once', { request: 'CreateUserBody' }],
  ['post', '/v1/projects', 'Create a project', { request: 'CreateProjectBody', response: 'ProjectView' }],
  ['get', '/v1/projects/{id}', 'A project (`?asOf=`: as it was then, with its builds)', { response: 'ProjectView' }],
  ['patch', '/v1/projects/{id}', 'Change webhook settings, autorelease, name, size limit', { request: 'UpdateProjectBody', response: 'ProjectView' }],
  ['post', '/v1/projects/{id}/webhook-secret/rotate', 'Rotate the webhook signing secret'],
  ['get', '/v1/projects/{id}/builds', 'A project\'s builds (status, tag, search, pages)', { page: 'BuildView' }],
  ['get', '/v1/projects/{id}/webhook-deliveries', 'The webhook delivery log'],
  ['post', '/v1/projects/{id}/webhook-deliveries/{deliveryId}/resend', 'Send a delivery again (same webhook-id)'],
  ['post', '/v1/projects/{id}/webhook-endpoint/enable', 'Re-enable a disabled endpoint'],
  ['post', '/v1/projects/{id}/webhooks/replay', 'Replay the project\'s build events since a time or position', { request: 'ReplayWebhooksBody' }],
  ['get', '/v1/projects/{id}/history', 'The project\'s audit trail'],
  ['get', '/v1/builds/{uploadId}', 'A build, with progress and storage figures', { response: 'BuildView' }],
  ['get', '/v1/builds/{uploadId}/history', 'The build\'s audit trail'],
  ['post', '/v1/builds/{uploadId}/live', 'Set live or roll back', { response: 'BuildView' }],
  ['put', '/v1/builds/{uploadId}/tag', 'Tag a build', { request: 'TagBuildBody' }],
  ['post', '/v1/builds/{uploadId}/copy', 'Copy a stored build to another project', { request: 'CopyBuildBody' }],
  ['delete', '/v1/builds/{uploadId}', 'Delete a build'],
  ['get', '/v1/projects/{id}/audit-export', 'The project\'s events as JSON Lines, hash chain included (for offline verification)'],
  ['get', '/v1/audit/verify', 'Verify every stream\'s hash chain (admin token); names the first broken link'],
  ['post', '/v1/admin/storage/gc', 'Run a chunk garbage-collection pass now (admin token)'],
  ['get', '/healthz', 'Liveness'],
  ['post', '/pixelStripeApi/projects/upload-file', 'Streampixel\'s upload-file', { request: 'UploadFileBody' }],
  ['post', '/pixelStripeApi/projects/distribute-file', 'Streampixel\'s distribute-file', { request: 'DistributeFileBody' }],
  ['post', '/pixelStripeApi/projects/test-webhook', 'Streampixel\'s test-webhook', { request: 'TestWebhookBody' }],
  ['get', '/pixelStripeApi/projects', 'Streampixel\'s project list'],
  ['get', '/pixelStripeApi/projects/{id}', 'Streampixel\'s project, with its builds (`files[]`)'],
  ['get', '/pixelStripeApi/projects/projects-status', 'Streampixel\'s projects status'],
  ['get', '/pixelStripeApi/projects/userStats/{projectId}', 'Streampixel\'s user stats (Hangar streams nothing itself: zeros)'],
];

/** A page of a view, as the list endpoints answer. */
function pageOf(item: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'object',
    required: ['items', 'page', 'limit', 'total'],
    properties: { items: { type: 'array', items: item }, page: { type: 'integer' }, limit: { type: 'integer' }, total: { type: 'integer' } },
  };
}

/** One schema name per event type in `components.schemas` (`BuildQueued.v1` -> `BuildQueuedV1`: OpenAPI names avoid dots). */
function componentName(schemaName: string): string {
  return schemaName.replace(/\.v(\d+)$/, 'V$1');
}

/**
 * The OpenAPI 3.1 document `GET /v1/openapi.json` serves: the API's paths (summaries, the request bodies and the main
 * views answered; the README has the details) and every public event's JSON Schema, versioned, as components, with
 * `GET /v1/events` answering them.
 */
export function openApiDocument(): Record<string, unknown> {
  const eventSchemas = Object.fromEntries(
    Object.entries(EVENT_JSON_SCHEMAS).map(([name, { $schema: _s, $id: _i, ...schema }]) => [componentName(name), schema]),
  );
  const anyEvent = { oneOf: Object.keys(eventSchemas).map((name) => ({ $ref: `#/components/schemas/${name}` })) };
  const paths: Record<string, Record<string, unknown>> = {};
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  for (const [method, path, summary, shapes = {}] of OPERATIONS) {
    const answer = shapes.response ? ref(shapes.response) : shapes.page ? pageOf(ref(shapes.page)) : undefined;
    paths[path] = {
      ...paths[path],
      [method]: {
        summary,
        ...(shapes.request ? { requestBody: { required: true, content: { 'application/json': { schema: ref(shapes.request) } } } } : {}),
        responses: {
          ...(answer ? { '2XX': { description: 'Success', content: { 'application/json': { schema: answer } } } } : {}),
          default: { description: 'See the README\'s API table' },
        },
      },
    };
  }
  paths['/v1/events'] = {
    get: {
      summary: 'The caller\'s events, as JSON pages or Server-Sent Events (resumable by position)',
      parameters: [
        { name: 'after', in: 'query', schema: { type: 'string', pattern: '^\\d+$' } },
        { name: 'projectId', in: 'query', schema: { type: 'string' } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
        { name: 'Last-Event-ID', in: 'header', schema: { type: 'string' } },
      ],
      responses: {
        '200': {
          description: 'A page (`next`: go on from there), or an event stream whose `data` lines are events',
          content: {
            'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: anyEvent }, next: { type: ['string', 'null'] } } } },
            'text/event-stream': { schema: { type: 'string' } },
          },
        },
      },
    },
  };
  paths['/v1/openapi.json'] = { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hangar',
      version: '1',
      description: 'Build pipeline for pixel-streaming applications. Event schemas are versioned (`<Type>V<n>`); the same ones are in libs/contracts/schemas/ and describe the public JetStream feed (docs/events.md).',
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
      schemas: { ...eventSchemas, PublicEvent: anyEvent, ...API_JSON_SCHEMAS },
    },
    security: [{ apiKey: [] }],
    paths,
  };
}

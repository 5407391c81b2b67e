import type { BuildEventType } from '../build/build-events';
import type { ProjectEventType } from '../project/project-events';

/**
 * Bus subjects, relative to the deployment's prefix (`HANGAR_NATS_PREFIX`, default `hangar`): the bus adapter adds
 * `<prefix>.` in front, so several deployments (or test runs) share one NATS server without seeing each other.
 *
 * Domain events are published by the event relay as `events.<category>.<EventType>`: a service subscribes to exactly
 * the facts it reacts to, and `events.build.*` is the whole build feed in store order.
 */
export const Subjects = {
  buildEvent: (type: BuildEventType) => `events.build.${type}`,
  projectEvent: (type: ProjectEventType) => `events.project.${type}`,
  eventOf: (category: string, type: string) => `events.${category}.${type}`,
  allBuildEvents: 'events.build.*',
  allEvents: 'events.>',
  /** Commands to the worker agents of one region (every agent gets every message: one durable consumer each). */
  distributeToRegion: (region: string) => `workers.${region}.distribute`,
  /** Worker agents report a materialised build (durable: the distributor must not miss one). */
  workerBuildReady: 'workers.build-ready',
  /** Worker agents report a build whose sanity check failed (durable, as ready reports). */
  workerBuildFailed: 'workers.build-failed',
  /** Liveness, fire-and-forget fan-out: a missed heartbeat is replaced by the next. */
  workerHeartbeat: 'workers.heartbeat',
  /** Request/reply: the query service answers the read side of the API. */
  query: (name: QueryName) => `query.${name}`,
  webhookTest: 'webhooks.test',
  /** Request/reply: the dispatcher answers a project's delivery log from its `webhooks-<projectId>` stream. */
  webhookDeliveries: 'webhooks.deliveries',
  /** Fire-and-forget `BuildProgress` of one build while a stage runs (at most about twice a second); not stored. */
  buildProgress: (uploadId: string) => `progress.build.${uploadId}`,
  allBuildProgress: 'progress.build.*',
  /** Request/reply: a repository runs a chunk garbage-collection pass now and answers what it reclaimed. */
  storageCollect: 'storage.collect',
} as const;

export type QueryName =
  | 'project.get'
  | 'projects.list'
  | 'projects.status'
  | 'project.user-stats'
  | 'build.get'
  | 'builds.list'
  /** The live build of every project of a region, and the builds being distributed there now (worker catch-up). */
  | 'region.builds'
  /** Builds to move to the archive tier (the repository's sweep). */
  | 'archive.candidates'
  | 'project.asOf'
  | 'build.asOf';

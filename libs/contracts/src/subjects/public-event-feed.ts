import { BUILD_EVENT_TYPES, type BuildEventType } from '../build/build-events';
import type { ProjectEventType } from '../project/project-events';

/**
 * The public event feed for internal services (docs/events.md): the build and project facts, on NATS JetStream, in
 * store order. Not in it: commands, webhook delivery bookkeeping (`webhooks-*`), users, and `WebhookSecretIssued`
 * (a sealed secret is nobody else's business).
 */
export const PUBLIC_PROJECT_EVENT_TYPES: readonly ProjectEventType[] = ['ProjectCreated', 'ProjectSettingsChanged', 'LiveBuildChanged'];
export const PUBLIC_EVENT_TYPES: readonly (BuildEventType | ProjectEventType)[] = [...BUILD_EVENT_TYPES, ...PUBLIC_PROJECT_EVENT_TYPES];

export const PublicEventFeed = {
  /** The JetStream stream, e.g. `HANGAR_PUBLIC_EVENTS` for the prefix `hangar`. */
  streamName: (prefix: string) => `${prefix.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}_PUBLIC_EVENTS`,
  /** Every subject of the feed, e.g. `hangar.public.>`. */
  allSubjects: (prefix: string) => `${prefix}.public.>`,
  /** One event type's subject, e.g. `hangar.public.build.BuildApproved`; `hangar.public.build.>` is every build fact. */
  subject: (prefix: string, category: 'build' | 'project', type: string) => `${prefix}.public.${category}.${type}`,
  /** Header: the event's position in the store (decimal), as `GET /v1/events` shows it. */
  positionHeader: 'Hangar-Position',
  /** Header: the event's type (also the subject's last token). */
  typeHeader: 'Hangar-Event-Type',
  /** Header: the version of the event's JSON Schema (`libs/contracts/schemas/<Type>.v<version>.json`). */
  schemaVersionHeader: 'Hangar-Schema-Version',
} as const;

export function isPublicEvent(stream: string, type: string): boolean {
  return (stream.startsWith('build-') || stream.startsWith('project-')) && (PUBLIC_EVENT_TYPES as readonly string[]).includes(type);
}

import { Controller, Get, Headers, Inject, OnModuleDestroy, Param, Query, Req, Res } from '@nestjs/common';
import type { IncomingMessage as Request, ServerResponse as Response } from 'node:http';
import { BuildNotFound, InvalidInput, buildStreamName, isObjectId, webhookDeliveriesStreamName } from '@hangar/contracts';
import { toPublishedEvent } from '@hangar/application';
import { EVENT_STORE, type AllSubscription, type EventStore, type RecordedEvent } from '@hangar/event-store';
import { Authenticator, type Caller } from '../auth/authenticator';
import { ProjectCommands } from '../projects/project-commands';

/** At most this many store events are scanned per JSON page; `next` lets the client go on. */
export const MAX_SCAN_PER_REQUEST = 5000;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const READ_BATCH = 500;
const HEARTBEAT_MS = 15_000;

/** The project an event belongs to, or null for events outside any project (users, …). */
function projectOf(event: RecordedEvent): string | null {
  const dash = event.stream.indexOf('-');
  const category = dash < 0 ? event.stream : event.stream.slice(0, dash);
  const rest = event.stream.slice(dash + 1);
  if (category === 'project' || category === 'webhooks') return rest;
  if (category === 'build') {
    const projectId = (event.data as { projectId?: unknown } | null)?.projectId;
    return typeof projectId === 'string' ? projectId : null;
  }
  return null;
}

function parsePosition(value: string | undefined, name: string): bigint | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,30}$/.test(value)) throw new InvalidInput(`${name} must be a position (a non-negative integer)`);
  return BigInt(value);
}

function parseLimit(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_LIMIT;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new InvalidInput(`limit must be an integer from 1 to ${MAX_LIMIT}`);
  return limit;
}

/** An event as the history endpoints show it: who or what caused it, and why. */
function historyEntry(event: RecordedEvent) {
  const actor = typeof event.metadata?.actor === 'string' ? event.metadata.actor : null;
  return {
    position: event.position.toString(),
    revision: event.revision.toString(),
    stream: event.stream,
    type: event.type,
    at: event.recordedAt.toISOString(),
    actor,
    // An API key's id is its user's id, so a `user:<id>` actor names the key too.
    apiKeyId: actor?.startsWith('user:') ? actor.slice('user:'.length) : null,
    correlationId: event.metadata?.correlationId ?? null,
    causationId: event.metadata?.causationId ?? null,
    data: event.data,
  };
}

/**
 * The caller's event feed (`GET /v1/events`, JSON pages or Server-Sent Events) and the audit history of a project or
 * a build. Read straight from the event store: positions are the store's, so a client resumes exactly.
 */
@Controller('v1')
export class EventsController implements OnModuleDestroy {
  private readonly open = new Set<() => void>();

  constructor(
    @Inject(Authenticator) private readonly auth: Authenticator,
    @Inject(ProjectCommands) private readonly projects: ProjectCommands,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  onModuleDestroy(): void {
    for (const end of [...this.open]) end();
  }

  @Get('events')
  async events(
    @Headers('authorization') authorization: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query('after') afterParam: string | undefined,
    @Query('projectId') projectId: string | undefined,
    @Query('limit') limitParam: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const caller = await this.auth.withBearer(authorization);
    if (projectId !== undefined) await this.projects.owned(caller, projectId);
    const visible = this.visibility(caller, projectId);
    if ((accept ?? '').includes('text/event-stream')) {
      const after = parsePosition(lastEventId, 'Last-Event-ID') ?? parsePosition(afterParam, 'after');
      this.stream(req, res, after, visible);
      return;
    }
    const page = await this.page(parsePosition(afterParam, 'after'), parseLimit(limitParam), visible);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ items: page.items.map(toPublishedEvent), next: page.next }));
  }

  /** The project's stream and its builds' streams, in position order; paged over the log like `/v1/events`. */
  @Get('projects/:id/history')
  async projectHistory(
    @Headers('authorization') authorization: string | undefined,
    @Param('id') id: string,
    @Query('after') afterParam: string | undefined,
    @Query('limit') limitParam: string | undefined,
  ) {
    await this.projects.owned(await this.auth.withBearer(authorization), id);
    const page = await this.page(parsePosition(afterParam, 'after'), parseLimit(limitParam), async (e) => e.stream !== webhookDeliveriesStreamName(id) && projectOf(e) === id);
    return { items: page.items.map(historyEntry), next: page.next };
  }

  @Get('builds/:uploadId/history')
  async buildHistory(@Headers('authorization') authorization: string | undefined, @Param('uploadId') uploadId: string) {
    const caller = await this.auth.withBearer(authorization);
    if (!isObjectId(uploadId)) throw new BuildNotFound(uploadId);
    const events = await this.store.readStream(buildStreamName(uploadId));
    const projectId = events.length ? projectOf(events[0]) : null;
    if (!projectId) throw new BuildNotFound(uploadId);
    await this.projects.owned(caller, projectId);
    return { items: events.map(historyEntry) };
  }

  /** Whether an event is the caller's (and of `projectId`, when given); ownership is looked up once per project. */
  private visibility(caller: Caller, projectId: string | undefined): (event: RecordedEvent) => Promise<boolean> {
    const owned = new Map<string, Promise<boolean>>();
    return async (event) => {
      const id = projectOf(event);
      if (id === null || (projectId !== undefined && id !== projectId)) return false;
      if (!owned.has(id)) {
        owned.set(id, this.projects.owned(caller, id).then(() => true, () => false));
      }
      return owned.get(id)!;
    };
  }

  /** Up to `limit` matching events after `after`, scanning at most MAX_SCAN_PER_REQUEST store events. */
  private async page(after: bigint | undefined, limit: number, matches: (event: RecordedEvent) => Promise<boolean>) {
    const items: RecordedEvent[] = [];
    let cursor = after;
    let scanned = 0;
    scan: while (scanned < MAX_SCAN_PER_REQUEST) {
      const batch = await this.store.readAll({ ...(cursor === undefined ? {} : { after: cursor }), limit: Math.min(READ_BATCH, MAX_SCAN_PER_REQUEST - scanned) });
      for (const event of batch) {
        scanned++;
        cursor = event.position;
        if (await matches(event)) {
          items.push(event);
          if (items.length >= limit) break scan;
        }
      }
      if (batch.length === 0) break;
    }
    return { items, next: cursor === undefined ? null : cursor.toString() };
  }

  /** Server-Sent Events: the backlog after `after`, then live events, a heartbeat comment every 15 s. */
  private stream(req: Request, res: Response, after: bigint | undefined, visible: (event: RecordedEvent) => Promise<boolean>): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    const subscription: AllSubscription = this.store.subscribeToAll(after === undefined ? {} : { after });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.open.delete(end);
      clearInterval(heartbeat);
      void subscription.close().catch(() => undefined);
      res.end();
    };
    this.open.add(end);
    req.on('close', end);
    res.on('close', end);
    void (async () => {
      for await (const event of subscription) {
        if (ended) break;
        if (!(await visible(event))) continue;
        const published = toPublishedEvent(event);
        res.write(`id: ${published.position}\nevent: ${published.type}\ndata: ${JSON.stringify(published)}\n\n`);
      }
    })()
      .catch(() => undefined)
      .finally(end);
  }
}

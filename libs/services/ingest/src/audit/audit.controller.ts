import { Controller, Get, Headers, Inject, Param, Res } from '@nestjs/common';
import type { ServerResponse as Response } from 'node:http';
import { ProjectStreams, toPublishedEvent } from '@hangar/application';
import { EVENT_STORE, verifyHashChains, type EventStore, type RecordedEvent } from '@hangar/event-store';
import { AdminToken } from '../auth/admin-token';
import { Authenticator } from '../auth/authenticator';
import { ProjectCommands } from '../projects/project-commands';


const READ_BATCH = 1000;

/**
 * Tamper evidence (docs/audit.md): the operator verifies every hash chain of the store; an owner exports a project's
 * history as JSON Lines for an auditor to verify offline (`npm run cli -- audit verify-export`).
 */
@Controller('v1')
export class AuditController {
  constructor(
    @Inject(AdminToken) private readonly adminToken: AdminToken,
    @Inject(Authenticator) private readonly auth: Authenticator,
    @Inject(ProjectCommands) private readonly projects: ProjectCommands,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** Checks every event of the store, in position order; names the first broken link. Admin only. */
  @Get('audit/verify')
  async verify(@Headers('authorization') authorization: string | undefined) {
    this.adminToken.verify(authorization);
    return verifyHashChains((after) => this.store.readAll({ ...(after === undefined ? {} : { after }), limit: READ_BATCH }));
  }

  /** The project's stream and its builds' streams, whole, one stored event per line in position order. Owner only. */
  @Get('projects/:id/audit-export')
  async export(@Headers('authorization') authorization: string | undefined, @Param('id') id: string, @Res() res: Response): Promise<void> {
    await this.projects.owned(await this.auth.withBearer(authorization), id);
    const streams = new ProjectStreams(id);
    res.writeHead(200, {
      'content-type': 'application/jsonl; charset=utf-8',
      'content-disposition': `attachment; filename="project-${id}-audit.jsonl"`,
    });
    let after: bigint | undefined;
    for (;;) {
      const page: RecordedEvent[] = await this.store.readAll({ ...(after === undefined ? {} : { after }), limit: READ_BATCH });
      if (page.length === 0) break;
      const lines = page.filter((event) => streams.includes(event)).map((event) => `${JSON.stringify(toPublishedEvent(event))}\n`);
      if (lines.length && !res.write(lines.join(''))) await new Promise((resolve) => res.once('drain', resolve));
      after = page[page.length - 1]!.position;
    }
    res.end();
  }
}

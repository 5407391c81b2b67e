import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { startWebhookDispatcherAlone } from '@hangar/system';
import { createProjectWithWebhook, scheduleDeliveries, startWebhookReceiver } from '@hangar/testing';
import { openEventStream } from './event-stream';
import { startHangar } from './hangar-process';

export interface WebhooksResult {
  deliveries: { count: number; seconds: number; perSecond: number };
  sseFanOut: { subscribers: number; events: number; medianMsToAll: number; maxMsToAll: number; deliveredPerSecond: number };
}

const POLL_MS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 6's benchmark: signed webhook deliveries per second to a local receiver (the dispatcher alone, embedded
 * adapters, deliveries scheduled straight into the store), and Server-Sent Events fan-out from `GET /v1/events` to
 * `subscribers` clients of one project (embedded Hangar as `npm start` runs it).
 */
export async function benchWebhooks(root: string, work: string, deliveries = 5000, subscribers = 100, events = 50): Promise<WebhooksResult> {
  return { deliveries: await benchDeliveries(join(work, 'deliveries'), deliveries), sseFanOut: await benchSseFanOut(root, join(work, 'sse'), subscribers, events) };
}

async function benchDeliveries(dataDir: string, count: number): Promise<WebhooksResult['deliveries']> {
  // The dispatcher runs in this process: its Nest logs would drown the report.
  process.env.HANGAR_LOG_LEVEL ??= 'error';
  const receiver = await startWebhookReceiver();
  const dispatcher = await startWebhookDispatcherAlone(dataDir);
  try {
    const projects = 10;
    const builds = 50;
    const started = process.hrtime.bigint();
    for (let p = 0; p < projects; p++) {
      const projectId = await createProjectWithWebhook(dispatcher.store, dispatcher.seal, receiver.url(`/bench/${p}`));
      await scheduleDeliveries(dispatcher.store, projectId, builds, Math.ceil(count / projects / builds));
    }
    const total = projects * builds * Math.ceil(count / projects / builds);
    while (receiver.received.length < total) await sleep(POLL_MS);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { count: total, seconds, perSecond: total / seconds };
  } finally {
    await dispatcher.close();
    await receiver.close();
  }
}

async function benchSseFanOut(root: string, dataDir: string, subscribers: number, events: number): Promise<WebhooksResult['sseFanOut']> {
  const hangar = await startHangar(root, dataDir);
  const streams: IncomingMessage[] = [];
  try {
    const user = await hangar.api.createUser(hangar.adminToken);
    const project = await hangar.api.createProject(user.apiKey, { name: 'fan-out', region: 'europe' });
    const arrivals = new Map<string, number[]>();
    const url = new URL(`${hangar.api.baseUrl}/v1/events?projectId=${project.id}`);
    await Promise.all(
      Array.from({ length: subscribers }, async () => {
        const response = await openEventStream(url, user.apiKey, (event) => {
          const name = event.data?.name;
          if (typeof name === 'string' && name.startsWith('fan-out ')) arrivals.set(name, [...(arrivals.get(name) ?? []), performance.now()]);
        });
        streams.push(response);
      }),
    );
    const sentAt = new Map<string, number>();
    const started = performance.now();
    for (let i = 0; i < events; i++) {
      const name = `fan-out ${i}`;
      sentAt.set(name, performance.now());
      await hangar.api.call('PATCH', `/v1/projects/${project.id}`, { bearer: user.apiKey, body: { name } });
    }
    while ([...sentAt.keys()].some((name) => (arrivals.get(name)?.length ?? 0) < subscribers)) await sleep(POLL_MS);
    const seconds = (performance.now() - started) / 1000;
    const toAll = [...sentAt].map(([name, at]) => Math.max(...arrivals.get(name)!) - at).sort((a, b) => a - b);
    return {
      subscribers,
      events,
      medianMsToAll: toAll[Math.floor(toAll.length / 2)],
      maxMsToAll: toAll[toAll.length - 1],
      deliveredPerSecond: (events * subscribers) / seconds,
    };
  } finally {
    for (const stream of streams) stream.destroy();
    await hangar.stop();
  }
}

export function webhooksTable(r: WebhooksResult): string[] {
  return [
    '## Webhooks and event feeds',
    '',
    '| measurement | result |',
    '|---|---|',
    `| signed webhook deliveries to a local receiver (${r.deliveries.count}, one dispatcher) | ${r.deliveries.perSecond.toFixed(0)} /s (${r.deliveries.seconds.toFixed(1)} s) |`,
    `| SSE fan-out: one event to all ${r.sseFanOut.subscribers} subscribers of \`GET /v1/events\` (median / max of ${r.sseFanOut.events}) | ${r.sseFanOut.medianMsToAll.toFixed(0)} ms / ${r.sseFanOut.maxMsToAll.toFixed(0)} ms |`,
    `| SSE fan-out: events delivered per second across subscribers | ${r.sseFanOut.deliveredPerSecond.toFixed(0)} /s |`,
    '',
  ];
}

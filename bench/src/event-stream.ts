import { request, type IncomingMessage } from 'node:http';

/** One event as `GET /v1/events` carries it (the fields the benchmarks read). */
export interface StreamedEvent {
  type: string;
  data?: Record<string, unknown>;
}

/**
 * Opens `GET /v1/events` (`url`, with its query) as Server-Sent Events with `apiKey`, and hands each event's `data`
 * line, parsed, to `onEvent` as it arrives. The caller destroys the response to stop.
 */
export async function openEventStream(url: URL, apiKey: string, onEvent: (event: StreamedEvent) => void): Promise<IncomingMessage> {
  const response = await new Promise<IncomingMessage>((resolve, reject) =>
    request(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${apiKey}` } }, resolve).on('error', reject).end(),
  );
  if (response.statusCode !== 200) {
    response.destroy();
    throw new Error(`GET ${url.pathname}: ${response.statusCode}`);
  }
  let buffer = '';
  response.setEncoding('utf8');
  response.on('data', (piece: string) => {
    buffer += piece;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1];
      buffer = buffer.slice(end + 2);
      if (data) onEvent(JSON.parse(data) as StreamedEvent);
    }
  });
  return response;
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (request: IncomingMessage, response: ServerResponse) => void;

export interface LocalHttpServer {
  url(path: string): string;
  /** Requests received, as `METHOD path`. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** A real HTTP server on a loopback address and a free port, for the egress specs; routes by exact path. */
export async function startLocalHttpServer(routes: Record<string, Route>, host = '127.0.0.1'): Promise<LocalHttpServer> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const route = routes[(request.url ?? '/').split('?')[0]];
    if (route) return route(request, response);
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

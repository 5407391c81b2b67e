import type { Server } from 'node:http';

/** Stop at once: open keep-alive and half-read connections would otherwise keep `close` (and Jest) waiting. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listen on 127.0.0.1 and a free port: test servers never collide, and never answer beyond the machine. */
export async function listenOnLoopback(server: Server): Promise<{ port: number; origin: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return { port, origin: `http://127.0.0.1:${port}` };
}

/** Stop at once: open keep-alive and half-read connections would otherwise keep `close` (and Jest) waiting. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

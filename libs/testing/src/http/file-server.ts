import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseRangeHeader } from './byte-range';
import { closeServer, listenOnLoopback } from './loopback-server';
import { generatedStream } from './generated-content';

export interface ServedContentOptions {
  contentType?: string;
  /** false: answer every request with the whole body and no `Accept-Ranges`, as servers without range support do. */
  ranges?: boolean;
  /** false: no `Content-Length` (a chunked response), as servers that stream an archive of unknown size do. */
  contentLength?: boolean;
  /** Send the body at about this rate (64 KiB at a time): a download slow enough to watch, or to kill midway. */
  throttleBytesPerSecond?: number;
}

export interface FileServerRequest {
  method: string;
  /** Path and query, as requested. */
  url: string;
  headers: IncomingHttpHeaders;
  status: number;
  /** Body bytes handed to the connection so far. */
  bytesSent: number;
  /** The response is over: `completed` when all of it was sent, not when the client went away midway. */
  closed: boolean;
  completed: boolean;
}

export interface FileServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  url(path: string): string;
  /** Serve a local file, read at request time (it may be written after registration), streamed. */
  serveFile(path: string, localFile: string, options?: ServedContentOptions): void;
  serveBuffer(path: string, body: Buffer | string, contentType?: string, options?: ServedContentOptions): void;
  /** `size` bytes of `generatedBytes` (see generated-content.ts): a multi-GB download with nothing on disk. */
  serveGenerated(path: string, size: number, options?: ServedContentOptions): void;
  /** Answer `status` (404, 500, …) for the next `times` requests to `path` (default: all), then serve it normally. */
  failWith(path: string, status: number, options?: { times?: number; body?: string }): void;
  /** 200 with an HTML sign-in form: what a share link answers once it needs a session, instead of the file. */
  serveLoginPage(path: string): void;
  /** Redirect to `location` (a path on this server or an absolute URL). */
  redirect(path: string, location: string, status?: 301 | 302 | 303 | 307 | 308): void;
  /**
   * For the next `times` requests to `path` (default: all), send the headers of the full answer (its whole
   * Content-Length) and then cut the connection after `bytes` bytes of body: a download dropped midway.
   */
  cutConnectionAfter(path: string, bytes: number, options?: { times?: number }): void;
  /** Every request answered so far, in order. */
  readonly requests: readonly FileServerRequest[];
  close(): Promise<void>;
}

interface Content {
  describe(): Promise<{ size: number; etag: string; lastModified?: Date }>;
  open(start: number, end: number): Readable;
  /** A local file's path: sent with `sendFile` when no fault or throttle applies. */
  localFile?: string;
  contentType: string;
  options: ServedContentOptions;
}

type Route =
  | { kind: 'content'; content: Content }
  | { kind: 'login' }
  | { kind: 'redirect'; location: string; status: number };

type Fault = { kind: 'status'; status: number; body?: string; remaining: number } | { kind: 'cut'; bytes: number; remaining: number };

const LOGIN_PAGE = `<!doctype html>
<html><head><title>Sign in</title></head>
<body><form action="/login" method="post"><label>Email <input name="email"></label>
<label>Password <input type="password" name="password"></label><button>Sign in</button></form></body></html>
`;

/** A local HTTP server (127.0.0.1, a free port) for download tests: ranges, HEAD, and the failures downloads meet. */
export async function startFileServer(): Promise<FileServer> {
  const routes = new Map<string, Route>();
  const faults = new Map<string, Fault[]>();
  const requests: FileServerRequest[] = [];

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        response.statusCode = 500;
        response.end(String(error));
      } else {
        response.destroy();
      }
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    const record: FileServerRequest = { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, status: 0, bytesSent: 0, closed: false, completed: false };
    requests.push(record);
    response.on('close', () => {
      record.status = response.statusCode;
      record.closed = true;
      record.completed = response.writableFinished;
    });

    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(response, 405, 'method not allowed');
    const fault = takeFault(pathname);
    if (fault?.kind === 'status') return answer(response, fault.status, fault.body ?? `status ${fault.status}`);
    const route = routes.get(pathname);
    if (!route) return answer(response, 404, 'not found');
    if (route.kind === 'login') {
      return answer(response, 200, LOGIN_PAGE, 'text/html; charset=utf-8', request.method === 'HEAD');
    }
    if (route.kind === 'redirect') {
      response.setHeader('Location', route.location);
      return answer(response, route.status, `redirecting to ${route.location}`);
    }
    await sendContent(request, response, route.content, fault?.kind === 'cut' ? fault.bytes : undefined, (bytes) => (record.bytesSent += bytes));
  }

  function takeFault(pathname: string): Fault | undefined {
    const pending = faults.get(pathname);
    const fault = pending?.find((f) => f.remaining > 0);
    if (fault) fault.remaining--;
    return fault;
  }

  function route(path: string, value: Route): void {
    routes.set(normalized(path), value);
  }

  function addFault(path: string, fault: Fault): void {
    const key = normalized(path);
    faults.set(key, [...(faults.get(key) ?? []).filter((f) => f.remaining > 0), fault]);
  }

  const { port, origin } = await listenOnLoopback(server);

  return {
    port,
    origin,
    url: (path) => origin + normalized(path),
    serveFile(path, localFile, options = {}) {
      route(path, {
        kind: 'content',
        content: {
          async describe() {
            const info = await stat(localFile);
            return { size: info.size, etag: `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`, lastModified: info.mtime };
          },
          // 1 MiB reads: the default 64 KiB makes a multi-GB download needlessly slow.
          open: (start, end) => createReadStream(localFile, { start, end: end - 1, highWaterMark: 1024 * 1024 }),
          localFile,
          contentType: options.contentType ?? 'application/octet-stream',
          options,
        },
      });
    },
    serveBuffer(path, body, contentType = 'application/octet-stream', options = {}) {
      const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
      const etag = `"${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}"`;
      route(path, {
        kind: 'content',
        content: {
          describe: async () => ({ size: bytes.length, etag }),
          open: (start, end) => Readable.from([bytes.subarray(start, end)]),
          contentType,
          options,
        },
      });
    },
    serveGenerated(path, size, options = {}) {
      route(path, {
        kind: 'content',
        content: {
          describe: async () => ({ size, etag: `"generated-${size}"` }),
          open: (start, end) => generatedStream(start, end),
          contentType: options.contentType ?? 'application/octet-stream',
          options,
        },
      });
    },
    failWith(path, status, options = {}) {
      addFault(path, { kind: 'status', status, body: options.body, remaining: options.times ?? Infinity });
    },
    serveLoginPage(path) {
      route(path, { kind: 'login' });
    },
    redirect(path, location, status = 302) {
      route(path, { kind: 'redirect', location, status });
    },
    cutConnectionAfter(path, bytes, options = {}) {
      addFault(path, { kind: 'cut', bytes, remaining: options.times ?? Infinity });
    },
    requests,
    close: () => closeServer(server),
  };
}

async function sendContent(
  request: IncomingMessage,
  response: ServerResponse,
  content: Content,
  cutAfter: number | undefined,
  sent: (bytes: number) => void,
): Promise<void> {
  let description;
  try {
    description = await content.describe();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return answer(response, 404, 'not found (file not written yet)');
    throw error;
  }
  const { size, etag, lastModified } = description;
  const rangesAllowed = content.options.ranges !== false;
  response.setHeader('Content-Type', content.contentType);
  response.setHeader('ETag', etag);
  if (lastModified) response.setHeader('Last-Modified', lastModified.toUTCString());
  if (rangesAllowed) response.setHeader('Accept-Ranges', 'bytes');

  // If-Range: a resumed download asks for "the rest, if it is still the same file"; otherwise it gets all of it.
  const ifRange = request.headers['if-range'];
  const rangeHeader = rangesAllowed && (!ifRange || ifRange === etag) ? request.headers.range : undefined;
  const range = parseRangeHeader(rangeHeader, size);
  if (range === 'unsatisfiable') {
    response.setHeader('Content-Range', `bytes */${size}`);
    return answer(response, 416, 'range not satisfiable');
  }
  const { start, end } = range ?? { start: 0, end: size };
  response.statusCode = range ? 206 : 200;
  if (range) response.setHeader('Content-Range', `bytes ${start}-${end - 1}/${size}`);
  if (content.options.contentLength !== false) response.setHeader('Content-Length', end - start);
  if (request.method === 'HEAD' || start === end) {
    response.end();
    return;
  }
  if (content.options.throttleBytesPerSecond) {
    await sendThrottled(response, content.open(start, end), content.options.throttleBytesPerSecond, cutAfter ?? Infinity, sent);
    return;
  }
  if (cutAfter === undefined && content.localFile) return sendFile(response, content.localFile, start, end, sent);
  const body = content.open(start, end);
  body.on('data', (chunk: Buffer) => sent(chunk.length));
  if (cutAfter === undefined) {
    await pipeline(body, response).catch(() => undefined); // the client went away: nothing to do
    return;
  }
  await sendThenCut(response, body, cutAfter);
}

/** Bytes per read of a file sent with `sendFile`. */
const FILE_READ_BYTES = 1024 * 1024;

/**
 * A file's bytes from `start` to `end`, read into two buffers in turn, each read into again only once the socket has
 * taken what was written from it. A read stream would allocate a fresh buffer per read: at a GiB a second that
 * garbage costs this process a major collection every few hundred MiB, CPU that a benchmark on two cores takes from
 * the process it measures (a real server sits on another machine).
 */
async function sendFile(response: ServerResponse, path: string, start: number, end: number, sent: (bytes: number) => void): Promise<void> {
  const handle = await open(path, 'r');
  const buffers = [Buffer.allocUnsafeSlow(FILE_READ_BYTES), Buffer.allocUnsafeSlow(FILE_READ_BYTES)];
  // A write's callback does not come once the connection is gone: its close ends the sending too.
  const gone = new Promise<false>((resolve) => response.once('close', () => resolve(false)));
  // The last write: true once the socket took it, false if the client went away.
  let taken: Promise<boolean> = Promise.resolve(true);
  try {
    for (let position = start, turn = 0; position < end; turn ^= 1) {
      const buffer = buffers[turn];
      const { bytesRead } = await handle.read(buffer, 0, Math.min(FILE_READ_BYTES, end - position), position);
      if (bytesRead === 0) break; // the file shrank: the client sees a body shorter than announced
      if (!(await taken) || response.destroyed) return;
      const bytes = buffer.subarray(0, bytesRead);
      const written = new Promise<boolean>((resolve) => response.write(bytes, (error) => resolve(!error)));
      taken = Promise.race([written, gone]);
      sent(bytesRead);
      position += bytesRead;
    }
    if (await taken) response.end();
  } finally {
    await handle.close();
  }
}

async function sendThenCut(response: ServerResponse, body: Readable, bytes: number): Promise<void> {
  let left = bytes;
  try {
    if (left === 0) await write(response, Buffer.alloc(0));
    for await (const chunk of body) {
      if (left === 0) break;
      const part = (chunk as Buffer).subarray(0, left);
      left -= part.length;
      await write(response, part);
    }
  } finally {
    body.destroy();
    // The socket, not just the response: the client must see a connection that dropped mid-body.
    response.socket?.destroy();
  }
}

async function sendThrottled(response: ServerResponse, body: Readable, bytesPerSecond: number, cutAfter: number, count: (bytes: number) => void): Promise<void> {
  const slice = 64 * 1024;
  let sent = 0;
  try {
    for await (const chunk of body) {
      for (let offset = 0; offset < (chunk as Buffer).length; offset += slice) {
        if (response.destroyed) return;
        const part = (chunk as Buffer).subarray(offset, offset + Math.min(slice, cutAfter - sent));
        await write(response, part);
        sent += part.length;
        count(part.length);
        if (sent >= cutAfter) {
          response.socket?.destroy();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, (part.length / bytesPerSecond) * 1000));
      }
    }
    response.end();
  } finally {
    body.destroy();
  }
}

/** Resolves once `data` has been handed to the socket (or the socket is gone). */
function write(response: ServerResponse, data: Buffer): Promise<void> {
  return new Promise((resolve) => response.write(data, () => resolve()));
}

function answer(response: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8', headOnly = false): void {
  response.statusCode = status;
  response.setHeader('Content-Type', contentType);
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.end(headOnly || response.req.method === 'HEAD' ? undefined : body);
}

function normalized(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

export { generatedBytes, generatedStream } from './generated-content';

import { describeFailure, remoteErrorFrom } from '../../failure/remote-failure';
import { BusClosed, NoResponder, RequestTimedOut } from '../../port/bus.errors';
import type { RequestHandler, Subscription } from '../../port/message-bus.port';
import { assertValidSubject, subjectMatches } from '../../subject/subject-pattern';

type Listener = (data: unknown, subject: string) => void;

/**
 * Request/reply and fan-out inside one process, with the semantics of core NATS: nothing is stored, responders on a
 * subject compete (round robin), every listener gets every broadcast. Payloads go through JSON both ways so that
 * handlers see what they would see over the network (no shared references, Dates become strings).
 */
export class InProcessRpc {
  private readonly responders: { subject: string; handler: RequestHandler<unknown, unknown> }[] = [];
  private readonly listeners: { subject: string; listener: Listener }[] = [];
  private readonly pending = new Set<{ timer: NodeJS.Timeout; reject: (error: Error) => void }>();
  private roundRobin = 0;
  private closed = false;

  constructor(
    private readonly defaultTimeoutMs: number,
    private readonly onListenerError: (error: unknown, subject: string) => void,
  ) {}

  async request<R>(subject: string, request: unknown, timeoutMs = this.defaultTimeoutMs): Promise<R> {
    if (this.closed) throw new BusClosed();
    assertValidSubject(subject, { wildcards: false });
    const candidates = this.responders.filter((r) => subjectMatches(r.subject, subject));
    if (!candidates.length) throw new NoResponder(subject);
    const responder = candidates[this.roundRobin++ % candidates.length];
    const payload = overTheWire(request);

    return new Promise<R>((resolve, reject) => {
      const call = {
        timer: setTimeout(() => settle(() => reject(new RequestTimedOut(subject, timeoutMs))), timeoutMs),
        reject: (error: Error) => settle(() => reject(error)),
      };
      const settle = (finish: () => void) => {
        if (!this.pending.delete(call)) return;
        clearTimeout(call.timer);
        finish();
      };
      this.pending.add(call);
      Promise.resolve()
        .then(() => responder.handler(payload))
        .then(
          (reply) => settle(() => resolve(overTheWire(reply) as R)),
          (error: unknown) => settle(() => reject(remoteErrorFrom(describeFailure(error)))),
        );
    });
  }

  respond(subject: string, handler: RequestHandler<unknown, unknown>): Subscription {
    this.assertOpen();
    assertValidSubject(subject, { wildcards: true });
    const entry = { subject, handler };
    this.responders.push(entry);
    return { close: async () => remove(this.responders, entry) };
  }

  broadcast(subject: string, data: unknown): void {
    this.assertOpen();
    assertValidSubject(subject, { wildcards: false });
    const payload = JSON.stringify(data ?? null);
    for (const { subject: pattern, listener } of this.listeners) {
      if (!subjectMatches(pattern, subject)) continue;
      // Each listener gets its own copy, later, and its failure is its own.
      queueMicrotask(() => {
        try {
          listener(JSON.parse(payload), subject);
        } catch (error) {
          this.onListenerError(error, subject);
        }
      });
    }
  }

  listen(subject: string, listener: Listener): Subscription {
    this.assertOpen();
    assertValidSubject(subject, { wildcards: true });
    const entry = { subject, listener };
    this.listeners.push(entry);
    return { close: async () => remove(this.listeners, entry) };
  }

  close(): void {
    this.closed = true;
    this.responders.length = 0;
    this.listeners.length = 0;
    for (const call of [...this.pending]) call.reject(new BusClosed());
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosed();
  }
}

function overTheWire(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function remove<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}

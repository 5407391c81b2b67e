/**
 * Drives a running Hangar over HTTP the way a user or CI script would. Used by the end-to-end tests of both modes.
 */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

export class HangarApiClient {
  constructor(readonly baseUrl: string) {}

  async call<T = any>(method: string, path: string, options: { body?: unknown; bearer?: string; query?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const response = await fetch(url, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
    const text = await response.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: response.status, body };
  }

  async createUser(adminToken: string, name = 'studio'): Promise<{ userId: string; apiKey: string }> {
    const res = await this.call('POST', '/v1/admin/users', { bearer: adminToken, body: { name } });
    if (res.status !== 201) throw new Error(`create user: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async createProject(apiKey: string, body: Record<string, unknown>): Promise<{ id: string } & Record<string, any>> {
    const res = await this.call('POST', '/v1/projects', { bearer: apiKey, body });
    if (res.status !== 201) throw new Error(`create project: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async uploadFile(user: { userId: string; apiKey: string }, projectId: string, fileUrl: string, extra: Record<string, unknown> = {}) {
    return this.call<{ message: string; uploadId: string }>('POST', '/pixelStripeApi/projects/upload-file', {
      body: { apiKey: user.apiKey, userId: user.userId, projectId, fileUrl, ...extra },
    });
  }

  async project(user: { userId: string; apiKey: string }, projectId: string) {
    return this.call('GET', `/pixelStripeApi/projects/${projectId}`, { query: { userId: user.userId, apikey: user.apiKey } });
  }

  /** Polls get-project until the build's `files[]` entry satisfies `done` (or the time runs out, with the last state). */
  async waitForFile(
    user: { userId: string; apiKey: string },
    projectId: string,
    uploadId: string,
    done: (file: any) => boolean,
    timeoutMs = 60_000,
  ): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown = null;
    while (Date.now() < deadline) {
      const res = await this.project(user, projectId);
      const file = res.status === 200 ? res.body.files?.find((f: any) => f._id === uploadId) : undefined;
      last = file ?? res.body;
      if (file && done(file)) return file;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`build ${uploadId} did not reach the expected state in ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
  }
}

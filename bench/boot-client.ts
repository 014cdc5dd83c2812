/**
 * The client half of the boot bench: what any OpenStack client does over HTTP (a password
 * token, the catalog, an image upload, JSON calls), with a deadline on every request.
 */
import { Agent, request as httpRequest } from 'node:http';

export interface JsonResponse {
  status: number;
  body: unknown;
  bytes: number;
}

export class BenchClient {
  readonly #token: string;
  readonly #deadline: number;
  /** One socket, kept alive: the latency phase measures requests, not connection set-up. */
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(token: string, deadline: number) {
    this.#token = token;
    this.#deadline = deadline;
  }

  remainingMs(): number {
    return this.#deadline - Date.now();
  }

  /** fetch with the token; for calls that run concurrently (each may open its own connection). */
  async fetchJson(method: string, url: string, body?: unknown): Promise<JsonResponse> {
    const response = await fetch(url, {
      method,
      headers: {
        'x-auth-token': this.#token,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(Math.max(1, this.remainingMs())),
    });
    const text = await response.text();
    return { status: response.status, body: text ? safeJson(text) : null, bytes: Buffer.byteLength(text) };
  }

  /** A GET over the single keep-alive connection. */
  getKeepAlive(url: string): Promise<JsonResponse> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method: 'GET',
          agent: this.#agent,
          headers: { 'x-auth-token': this.#token, accept: 'application/json' },
          timeout: Math.max(1, this.remainingMs()),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text ? safeJson(text) : null, bytes: Buffer.byteLength(text) });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`GET ${url} passed the bench deadline`)));
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface CatalogEntry {
  type: string;
  endpoints: Array<{ interface: string; url: string }>;
}

export interface Session {
  token: string;
  endpoints: Map<string, string>;
}

/** Keystone v3 password login scoped to a project; returns the token and each service's public URL. */
export async function login(identityUrl: string, user: string, password: string, project: string): Promise<Session> {
  const response = await fetch(`${identityUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    }),
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status !== 201) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const token = response.headers.get('x-subject-token');
  if (!token) throw new Error('login answered without X-Subject-Token');
  const body = (await response.json()) as { token: { catalog?: CatalogEntry[] } };
  const endpoints = new Map<string, string>();
  for (const entry of body.token.catalog ?? []) {
    const url = entry.endpoints.find((e) => e.interface === 'public')?.url ?? entry.endpoints[0]?.url;
    if (url) endpoints.set(entry.type, url.replace(/\/$/, ''));
  }
  return { token, endpoints };
}

/** A small raw image, created and uploaded through the image API v2; returns its id once active. */
export async function uploadTinyImage(imageUrl: string, token: string): Promise<string> {
  const created = await fetch(`${imageUrl}/v2/images`, {
    method: 'POST',
    headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench-tiny', disk_format: 'raw', container_format: 'bare', visibility: 'public' }),
    signal: AbortSignal.timeout(30_000),
  });
  if (created.status !== 201) throw new Error(`image create failed: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  const upload = await fetch(`${imageUrl}/v2/images/${id}/file`, {
    method: 'PUT',
    headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(1024),
    signal: AbortSignal.timeout(30_000),
  });
  if (upload.status !== 204) throw new Error(`image upload failed: ${upload.status} ${await upload.text()}`);
  const shown = await fetch(`${imageUrl}/v2/images/${id}`, { headers: { 'x-auth-token': token }, signal: AbortSignal.timeout(30_000) });
  const status = ((await shown.json()) as { status?: string }).status;
  if (status !== 'active') throw new Error(`uploaded image is ${status}, not active`);
  return id;
}

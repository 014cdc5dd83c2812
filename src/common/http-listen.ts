import type { AddressInfo } from 'node:net';

/** What a started HTTP service hands back: where clients reach it and how to stop it. */
export interface ListeningServer {
  /** `http://host:port`, no path. */
  readonly url: string;
  close(): Promise<void>;
}

/** The part of a fastify instance this module needs, so common/ depends on no framework. */
interface Listenable {
  listen(options: { host: string; port: number }): Promise<unknown>;
  readonly server: { address(): AddressInfo | string | null };
  close(): Promise<unknown>;
}

/**
 * The URL a client can connect to for a listen address: a wildcard address is not
 * something to connect to, its loopback is; an IPv6 literal gets brackets.
 */
export function reachableUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** Starts listening (port 0 picks a free port) and reports the URL actually bound. */
export async function listen(app: Listenable, host: string, port: number): Promise<ListeningServer> {
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    url: reachableUrl(host, bound),
    close: async () => {
      await app.close();
    },
  };
}

/** Reason phrases of the statuses the embedded services answer with, as OpenStack's JSON errors title them. */
export const HTTP_TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/**
 * transport_url in oslo.messaging's form: `local://` or
 * `rabbit://user:pass@host:port[,user:pass@host2:port]/vhost` (an empty path is vhost `/`).
 */
import { InvalidConfig } from '../common/errors.js';

export interface BrokerAddress {
  host: string;
  port: number;
  username: string;
  password: string;
}

export type TransportUrl = { scheme: 'local' } | { scheme: 'rabbit'; brokers: BrokerAddress[]; virtualHost: string };

const DEFAULT_PORT = 5672;

export function parseTransportUrl(url: string): TransportUrl {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(?:\/(.*))?$/i.exec(url.trim());
  if (!m) throw new InvalidConfig(`transport_url ${JSON.stringify(redact(url))} is not a URL`);
  const scheme = (m[1] as string).toLowerCase();
  if (scheme === 'local' || scheme === 'fake') return { scheme: 'local' };
  if (scheme !== 'rabbit' && scheme !== 'amqp') {
    throw new InvalidConfig(`transport_url scheme ${scheme} is not supported (local, rabbit)`);
  }
  const brokers = (m[2] as string)
    .split(',')
    .filter((s) => s !== '')
    .map(parseBroker);
  if (brokers.length === 0) brokers.push({ host: 'localhost', port: DEFAULT_PORT, username: 'guest', password: 'guest' });
  const path = m[3] === undefined ? '' : (m[3].split('?')[0] as string);
  return { scheme: 'rabbit', brokers, virtualHost: path === '' ? '/' : decodeURIComponent(path) };
}

function parseBroker(part: string): BrokerAddress {
  const at = part.lastIndexOf('@');
  const creds = at >= 0 ? part.slice(0, at) : '';
  const hostPort = at >= 0 ? part.slice(at + 1) : part;
  const colon = creds.indexOf(':');
  const username = at < 0 ? 'guest' : decodeURIComponent(colon >= 0 ? creds.slice(0, colon) : creds);
  const password = at < 0 ? 'guest' : decodeURIComponent(colon >= 0 ? creds.slice(colon + 1) : '');
  const { host, port } = splitHostPort(hostPort);
  return { host, port, username, password };
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`. */
export function splitHostPort(text: string, defaultPort = DEFAULT_PORT): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1] as string, port: v6[2] ? Number(v6[2]) : defaultPort };
  const colon = text.lastIndexOf(':');
  if (colon >= 0 && /^\d+$/.test(text.slice(colon + 1))) {
    return { host: text.slice(0, colon) || 'localhost', port: Number(text.slice(colon + 1)) };
  }
  return { host: text || 'localhost', port: defaultPort };
}

/** The URL with passwords replaced, for logs and error messages. */
export function redact(url: string): string {
  return url.replace(/([/,][^:/@,]*:)[^@,]*@/g, '$1****@');
}

export function formatTransportUrl(brokers: BrokerAddress[], virtualHost: string): string {
  const hosts = brokers
    .map((b) => {
      const host = b.host.includes(':') ? `[${b.host}]` : b.host;
      return `${encodeURIComponent(b.username)}:${encodeURIComponent(b.password)}@${host}:${b.port}`;
    })
    .join(',');
  const vhost = virtualHost === '/' ? '' : encodeURIComponent(virtualHost);
  return `rabbit://${hosts}/${vhost}`;
}

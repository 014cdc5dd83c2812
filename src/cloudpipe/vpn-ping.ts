/**
 * Whether an OpenVPN server answers at address:port: one HARD_RESET_CLIENT packet (0x38,
 * an 8-byte session id, an empty ack array and packet id), and a reply that is a
 * HARD_RESET_SERVER (0x40) acknowledging our session id at bytes 14-21 (Grizzly's
 * nova/utils.py vpn_ping).
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

export function vpnPingPacket(session: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x38]), session, Buffer.alloc(5)]);
}

export function isVpnPingReply(reply: Buffer, session: Buffer): boolean {
  return reply.length === 26 && reply[0] === 0x40 && reply.subarray(14, 22).equals(session);
}

export async function vpnPing(address: string, port: number, timeoutMs = 50): Promise<boolean> {
  const session = randomBytes(8);
  const socket = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      socket.on('message', (msg) => {
        if (isVpnPingReply(msg, session)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      socket.on('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      socket.send(vpnPingPacket(session), port, address, (err) => {
        if (err) {
          clearTimeout(timer);
          resolve(false);
        }
      });
    });
  } finally {
    socket.close();
  }
}

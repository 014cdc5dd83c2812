import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isVpnPingReply, vpnPing, vpnPingPacket } from '../../../src/cloudpipe/vpn-ping.js';

/** A UDP server answering OpenVPN's hard reset as a server does (or with a wrong session id). */
async function fakeOpenVpn(mode: 'answer' | 'wrong-session'): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, peer) => {
    const session = mode === 'answer' ? msg.subarray(1, 9) : Buffer.alloc(8, 7);
    const reply = Buffer.concat([Buffer.from([0x40]), Buffer.alloc(8, 1), Buffer.from([1, 0, 0, 0, 0]), session, Buffer.alloc(4)]);
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: (socket.address() as AddressInfo).port };
}

describe('vpn_ping', () => {
  let good: { socket: Socket; port: number };
  let wrong: { socket: Socket; port: number };
  before(async () => {
    good = await fakeOpenVpn('answer');
    wrong = await fakeOpenVpn('wrong-session');
  });
  after(() => {
    good.socket.close();
    wrong.socket.close();
  });

  it('sends a 14-byte hard reset carrying the session id', () => {
    const session = Buffer.from('0123456789abcdef', 'hex');
    const packet = vpnPingPacket(session);
    assert.equal(packet.length, 14);
    assert.equal(packet[0], 0x38);
    assert.deepEqual(packet.subarray(1, 9), session);
  });

  it('accepts only a 26-byte server reset that echoes the session id', () => {
    const session = Buffer.alloc(8, 9);
    const reply = Buffer.concat([Buffer.from([0x40]), Buffer.alloc(13), session, Buffer.alloc(4)]);
    assert.ok(isVpnPingReply(reply, session));
    assert.ok(!isVpnPingReply(reply.subarray(0, 25), session));
    assert.ok(!isVpnPingReply(Buffer.concat([Buffer.from([0x41]), reply.subarray(1)]), session));
    assert.ok(!isVpnPingReply(reply, Buffer.alloc(8, 1)));
  });

  it('is true for a server that answers, false for a wrong answer or silence', async () => {
    assert.equal(await vpnPing('127.0.0.1', good.port, 2000), true);
    assert.equal(await vpnPing('127.0.0.1', wrong.port, 100), false);
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      assert.equal(await vpnPing('127.0.0.1', (silent.address() as AddressInfo).port, 100), false);
    } finally {
      silent.close();
    }
  });
});

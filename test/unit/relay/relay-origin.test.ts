import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isFromConsoleOrigin } from '../../../lib/relay/relay-origin';

function upgrade(headers: Record<string, string>, encrypted = false): IncomingMessage {
  return { headers, socket: { encrypted } } as unknown as IncomingMessage;
}

describe('isFromConsoleOrigin', () => {
  const publicUrl = 'https://sluice.example.com';
  it('accepts only SLUICE_PUBLIC_URL’s origin when it is set', () => {
    const opts = { publicUrl, trustProxy: false };
    expect(isFromConsoleOrigin(upgrade({ host: 'internal:3000', origin: 'https://sluice.example.com' }), opts)).toBe(true);
    expect(isFromConsoleOrigin(upgrade({ host: 'internal:3000', origin: 'https://sluice.example.com:443' }), opts)).toBe(true);
    for (const origin of ['http://sluice.example.com', 'https://evil.sluice.example.com', 'https://sluice.example.com:8443', 'http://internal:3000', 'null']) {
      expect(isFromConsoleOrigin(upgrade({ host: 'internal:3000', origin }), opts), origin).toBe(false);
    }
    expect(isFromConsoleOrigin(upgrade({ host: 'internal:3000' }), opts)).toBe(false);
  });

  it('without SLUICE_PUBLIC_URL accepts the Host the request came to, with the socket’s scheme', () => {
    const opts = { trustProxy: false };
    expect(isFromConsoleOrigin(upgrade({ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' }), opts)).toBe(true);
    expect(isFromConsoleOrigin(upgrade({ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3001' }), opts)).toBe(false);
    expect(isFromConsoleOrigin(upgrade({ host: 'localhost:3000', origin: 'http://evil.localhost:3000' }), opts)).toBe(false);
    expect(isFromConsoleOrigin(upgrade({ host: 'console', origin: 'https://console' }), opts)).toBe(false);
    expect(isFromConsoleOrigin(upgrade({ host: 'console', origin: 'https://console' }, true), opts)).toBe(true);
    // A client's X-Forwarded-Proto counts only behind a trusted proxy.
    expect(isFromConsoleOrigin(upgrade({ host: 'console', origin: 'https://console', 'x-forwarded-proto': 'https' }), opts)).toBe(false);
    expect(isFromConsoleOrigin(upgrade({ host: 'console', origin: 'https://console', 'x-forwarded-proto': 'https' }), { trustProxy: true })).toBe(true);
  });
});

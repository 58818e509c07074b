import { describe, expect, it } from 'vitest';
import { upgradeRoute } from '../../../lib/http/request-path';

const route = (url: string, dev = false) => upgradeRoute({ url }, { relayPath: '/api/mqtt-relay', dev });

describe('upgradeRoute: who answers a WebSocket upgrade to the console', () => {
  it('the relay its path; every other path a 404 (Next.js left them open unanswered), a non-URL target a 400', () => {
    expect(route('/api/mqtt-relay?workspace=default&dataset=d')).toBe('relay');
    for (const url of ['/', '/nonexistent', '/sign-in', '/api/nope', '/_next/webpack-hmr', '/_next/hmr', '/api/mqtt-relay/x']) expect(route(url), url).toEqual({ refuse: 404 });
    expect(route('//[')).toEqual({ refuse: 400 });
  });

  it('Next.js gets only its own hot-reload paths, and only in --dev', () => {
    expect(route('/_next/webpack-hmr', true)).toBe('next');
    expect(route('/_next/hmr?id=1', true)).toBe('next');
    expect(route('/nonexistent', true)).toEqual({ refuse: 404 });
  });
});

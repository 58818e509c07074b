import { afterAll, beforeAll } from 'vitest';
import type { Store } from '../../lib/store/open-store';
import { startMosquitto, type MosquittoOptions, type MosquittoServer } from './mosquitto-server';
import { createTestStore } from './test-store';

/** A throwaway Mosquitto and a fresh database for one test file, started before its tests and stopped after. */
export function useBrokerAndStore(options?: MosquittoOptions): { broker: MosquittoServer; store: Store } {
  const env = {} as { broker: MosquittoServer; store: Store };
  beforeAll(async () => {
    [env.broker, env.store] = await Promise.all([startMosquitto(options), createTestStore()]);
  });
  afterAll(async () => {
    await env.store?.close();
    await env.broker?.stop();
  });
  return env;
}

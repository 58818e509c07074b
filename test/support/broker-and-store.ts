import { afterAll, beforeAll } from 'vitest';
import { openStore, type Store } from '../../lib/store/open-store';
import { startMosquitto, type MosquittoOptions, type MosquittoServer } from './mosquitto-server';
import { startTestBroker, type BrokerKind, type TestBroker } from './test-broker';
import { createTestDatabase, createTestStore, TEST_SECRET_KEY } from './test-store';

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

/** A throwaway broker of `kind` and a fresh database for one test file. */
export function useTestBrokerAndStore(kind: BrokerKind): { broker: TestBroker; store: Store; databaseUrl: string } {
  const env = {} as { broker: TestBroker; store: Store; databaseUrl: string };
  beforeAll(async () => {
    const [broker, databaseUrl] = await Promise.all([startTestBroker(kind), createTestDatabase()]);
    const store = await openStore({ databaseUrl, secretKey: TEST_SECRET_KEY });
    Object.assign(env, { broker, store, databaseUrl });
  }, 180_000);
  afterAll(async () => {
    await env.store?.close();
    await env.broker?.stop();
  }, 60_000);
  return env;
}

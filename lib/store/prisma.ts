import type pg from 'pg';
import type { PrismaClient } from './generated/client';

export type { PrismaClient };

type ClientLoader = () => Promise<PrismaClient>;

/**
 * One call on the client, made when it is awaited (as Prisma's own PrismaPromise is lazy): then it
 * loads the client and runs; inside an array given to `$transaction` it becomes the real client's
 * call, so the batch runs as one transaction as before.
 */
class DeferredCall implements PromiseLike<unknown> {
  constructor(
    private readonly load: ClientLoader,
    private readonly path: readonly string[],
    private readonly args: unknown[],
  ) {}

  /** The real client's own lazy call. */
  on(client: PrismaClient): unknown {
    const owner = (this.path.length === 2 ? (client as unknown as Record<string, unknown>)[this.path[0]] : client) as Record<string, unknown> | undefined;
    const method = owner?.[this.path.at(-1)!];
    if (typeof method !== 'function') throw new Error(`the Prisma client has no ${this.path.join('.')}(): is the generated client current (npm run prisma:generate)?`);
    return method.apply(owner, this.args);
  }

  then<A = unknown, B = never>(onFulfilled?: ((value: unknown) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.load()
      .then((client) => this.on(client))
      .then(onFulfilled, onRejected);
  }
}

/** Properties a caller may probe that must not look like client calls (`await client`, inspection). */
const NOT_CALLS = new Set(['then', 'catch', 'finally', 'toJSON']);

/**
 * The one place a Prisma client is made; it shares `pool` with the store's raw-SQL hot path.
 *
 * The client is loaded on its first call, not when the store opens: the generated client and
 * Prisma's runtime take 100–150 ms to import, and commands that only read through raw SQL (`sluice
 * list`, which must answer in half a second) never need them. What is returned behaves as the
 * client for everything this code base does with it — `model.method(args)`, `$queryRaw`-style calls,
 * `$transaction(fn)` and `$transaction([calls])`, `$disconnect()` — each returning a promise.
 */
export function createPrismaClient(pool: pg.Pool): PrismaClient {
  let loading: Promise<PrismaClient> | undefined;
  const load: ClientLoader = () =>
    (loading ??= Promise.all([import('./generated/client'), import('@prisma/adapter-pg')]).then(
      ([{ PrismaClient: Client }, { PrismaPg }]) => new Client({ adapter: new PrismaPg(pool) }),
    ));

  const transaction = async (arg: unknown, options?: unknown): Promise<unknown> => {
    const client = await load();
    const run = client.$transaction as (a: unknown, o?: unknown) => Promise<unknown>;
    return Array.isArray(arg) ? run.call(client, arg.map((call: DeferredCall) => call.on(client)), options) : run.call(client, arg, options);
  };
  const disconnect = async (): Promise<void> => {
    if (loading) await (await loading).$disconnect();
  };

  const model = (name: string) =>
    new Proxy(
      {},
      {
        get: (_, method) => (typeof method !== 'string' || NOT_CALLS.has(method) ? undefined : (...args: unknown[]) => new DeferredCall(load, [name, method], args)),
      },
    );
  const models = new Map<string, object>();
  return new Proxy(
    {},
    {
      get: (_, prop) => {
        if (typeof prop !== 'string' || NOT_CALLS.has(prop)) return undefined;
        if (prop === '$transaction') return transaction;
        if (prop === '$disconnect') return disconnect;
        if (prop.startsWith('$')) return (...args: unknown[]) => new DeferredCall(load, [prop], args);
        if (!models.has(prop)) models.set(prop, model(prop));
        return models.get(prop);
      },
    },
  ) as PrismaClient;
}

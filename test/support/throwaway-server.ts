import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** Stops a throwaway server gracefully (SIGTERM: brokers save their sessions), or not (SIGKILL), and waits until it exited. */
export async function terminate(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** A broker a test started on free loopback ports, with its data in a temporary directory. */
export interface ThrowawayBroker {
  port: number;
  /** `mqtt://127.0.0.1:<port>` */
  url: string;
  /** A graceful stop (the broker keeps its sessions), then a start on the same ports. */
  restart(): Promise<void>;
  /** kill -9, then a start on the same ports: the broker keeps only what it had written to disk. */
  crash(): Promise<void>;
  /** Stops the broker and removes its data. */
  stop(): Promise<void>;
}

/**
 * Starts a broker process with `start` (which resolves once it listens), again on restart; stop
 * ends it, runs `cleanup` and removes `dir`. A failed first start cleans up the same way.
 */
export async function superviseBroker(args: { port: number; dir: string; start: () => Promise<ChildProcess>; cleanup?: () => void }): Promise<ThrowawayBroker> {
  const remove = () => {
    args.cleanup?.();
    fs.rmSync(args.dir, { recursive: true, force: true });
  };
  let child: ChildProcess;
  try {
    child = await args.start();
  } catch (err) {
    remove();
    throw err;
  }
  return {
    port: args.port,
    url: `mqtt://127.0.0.1:${args.port}`,
    async restart() {
      await terminate(child);
      child = await args.start();
    },
    async crash() {
      await terminate(child, 'SIGKILL');
      child = await args.start();
    },
    async stop() {
      await terminate(child);
      remove();
    },
  };
}

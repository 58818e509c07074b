import os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { activeBrokerPolicy, installBrokerPolicy } from '../../brokers/active-broker-policy';
import type { BrokerPolicy } from '../../brokers/broker-policy';
import { isSluiceError, SluiceError, type ErrorCode } from '../../errors';
import { openMqttSession, SubscriptionFailed, type MqttSession, type MqttSessionHandlers, type MqttSessionOptions, type TopicSubscription } from './mqtt-session';
import { batchBytes, batchTransferables, decodeAck, deliverSessionEvents, encodeAck, SessionEventBatcher, UnconsumedEvents, type SessionEventBatch } from './session-thread-wire';

/**
 * A pull's broker session on a thread of its own: the socket, TLS, the ack gate (which decodes the
 * broker's messages) and mqtt.js run there, and the pulling thread receives what the broker sent in batches
 * (session-thread-wire.ts) and releases acknowledgements back. The same MqttSession contract as
 * openMqttSession: nothing is acknowledged until `acknowledge`/`complete` is called (after the
 * commit), and events reach the handlers in the order the broker sent them.
 *
 * Why: a pull's thread spent about a quarter of its time receiving (mqtt.js parsing each PUBLISH,
 * generating each PUBACK, the gate holding it) and the rest reading, merging and encoding; on its
 * own thread the transport runs beside that work, on the machine's other core.
 *
 * The thread judges the broker with the pulling thread's broker policy, passed to it as data and
 * installed before it connects: one policy, whichever thread opens the socket.
 */
export function openThreadedMqttSession(options: MqttSessionOptions, handlers: MqttSessionHandlers): Promise<MqttSession> {
  // A thread costs tens of MB and helps only while a core is free for it: past one per core (a
  // worker streaming many always-on datasets), sessions run on the pulling thread.
  if (sessionThreads >= MAX_SESSION_THREADS) return openMqttSession(options, handlers);
  const worker = spare ?? startSessionThread();
  spare = undefined;
  sessionThreads++;
  worker.once('exit', () => sessionThreads--);
  worker.ref();
  worker.postMessage({ t: 'open', options, policy: activeBrokerPolicy() } satisfies ToSessionThread);
  return new Promise<MqttSession>((resolve, reject) => {
    let session: ThreadSession | undefined;
    const fail = (err: Error) => {
      if (session) session.failed(err);
      else reject(err);
    };
    worker.on('message', (m: FromSessionThread) => {
      switch (m.t) {
        case 'open':
          session = new ThreadSession(worker, m, handlers);
          resolve(session);
          break;
        case 'failed':
          reject(fromWire(m.error));
          void worker.terminate();
          break;
        default:
          session?.receive(m);
          // Events before the CONNACK's answer (a resumed session's queue follows it at once) go straight to the handlers.
          if (!session && m.t === 'events') worker.postMessage({ t: 'consumed', count: deliverSessionEvents(m.batch, handlers), bytes: batchBytes(m.batch) } satisfies ToSessionThread);
      }
    });
    worker.on('error', (err) => fail(new SluiceError('CONNECTION_LOST', `the pull's session thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', () => {
      if (session) session.exited();
      else reject(new SluiceError('CONNECTION_LOST', "the pull's session thread ended before its session opened"));
    });
  });
}

/** Session threads open in this process, and how many may be. */
let sessionThreads = 0;
const MAX_SESSION_THREADS = os.availableParallelism();

/** A session thread started ahead of need, its modules loaded by the time a pull opens its session. */
let spare: Worker | undefined;

/**
 * Starts a session thread now, so the next openThreadedMqttSession finds it ready: mqtt.js and the
 * transport take ~200 ms to load on a fresh thread, which `sluice pull` spends opening its store
 * instead of at the start of its first pull. A spare that is never taken does not keep the process alive.
 */
export function prepareSessionThread(): void {
  if (spare) return;
  const worker = startSessionThread();
  worker.unref();
  worker.on('error', () => {}); // reported to the pull that takes it, as its session failing
  worker.once('exit', () => {
    if (spare === worker) spare = undefined;
  });
  spare = worker;
}

const SESSION_THREAD_ROLE = 'sluice-mqtt-session';

type WireError = { code?: ErrorCode; message: string; subscriptionFailed?: true };

type FromSessionThread =
  | { t: 'open'; sessionPresent: boolean; protocolVersion: 4 | 5; topics: TopicSubscription[] }
  | { t: 'failed'; error: WireError }
  | { t: 'events'; batch: SessionEventBatch }
  | { t: 'error'; error: WireError }
  | { t: 'closed' };

type ToSessionThread =
  | { t: 'open'; options: MqttSessionOptions; policy: BrokerPolicy }
  | { t: 'acks'; codes: Uint32Array }
  | { t: 'consumed'; count: number; bytes: number }
  | { t: 'stop' }
  | { t: 'resume' }
  | { t: 'close' };

/** A batch is posted at the end of each socket read, or once this large. */
const MAX_BATCH_EVENTS = 2_000;
/** How long a closing session thread may take before it is stopped (the session closes within 3 s). */
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * The thread runs this module: the bundled CLI's chunk holding it, or this TypeScript file through
 * tsx when running from source (tests, benchmarks), as the importing thread does.
 */
function startSessionThread(): Worker {
  const data = { role: SESSION_THREAD_ROLE };
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL(self), { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(self)}); });`, { eval: true, workerData: data });
}

/** The pulling thread's side: an MqttSession whose socket lives on the session thread. */
class ThreadSession implements MqttSession {
  readonly sessionPresent: boolean;
  readonly protocolVersion: 4 | 5;
  readonly topics: TopicSubscription[];
  private acks: number[] = [];
  private acksScheduled = false;
  /** Events taken in and not yet reported to the thread (reported a few thousand at a time). */
  private consumed = 0;
  private consumedBytes = 0;
  /** What was last asked of the thread: a pull at its cap asks to stop on every later message. */
  private receiving = true;
  private closing: Promise<void> | undefined;
  private onClosed: () => void = () => {};
  private lost = false;

  constructor(
    private readonly worker: Worker,
    open: Extract<FromSessionThread, { t: 'open' }>,
    private readonly handlers: MqttSessionHandlers,
  ) {
    this.sessionPresent = open.sessionPresent;
    this.protocolVersion = open.protocolVersion;
    this.topics = open.topics;
  }

  receive(m: FromSessionThread): void {
    if (m.t === 'closed') return this.onClosed();
    if (this.closing) return; // a closing session's traffic is the broker's again
    if (m.t === 'events') this.reportConsumed(deliverSessionEvents(m.batch, this.handlers), batchBytes(m.batch));
    else if (m.t === 'error') this.failed(fromWire(m.error));
  }

  /** The connection failed after it was established: reported once, as the inline session reports it. */
  failed(err: Error): void {
    if (this.closing || this.lost) return;
    this.lost = true;
    this.handlers.onError(isSluiceError(err) ? err : new SluiceError('CONNECTION_LOST', err.message, { cause: err }));
  }

  exited(): void {
    this.onClosed();
    this.failed(new SluiceError('CONNECTION_LOST', "the pull's session thread ended during the pull"));
  }

  acknowledge(message: { qos: number; messageId?: number }): void {
    if (message.qos === 1) this.release(encodeAck('puback', message.messageId!));
    else if (message.qos === 2) this.release(encodeAck('pubrec', message.messageId!));
  }

  complete(messageId: number): void {
    this.release(encodeAck('pubcomp', messageId));
  }

  stopReceiving(): void {
    if (!this.receiving) return;
    this.receiving = false;
    this.post({ t: 'stop' });
  }

  resumeReceiving(): void {
    if (this.receiving) return;
    this.receiving = true;
    this.post({ t: 'resume' });
  }

  /**
   * Lets the thread know how much was taken in, a few thousand events (or megabytes) at a time
   * (UnconsumedEvents.REPORT_*): what is never reported stays below half the thread's limits, so a
   * thread that stopped reading always learns enough to read again.
   */
  private reportConsumed(count: number, bytes: number): void {
    this.consumed += count;
    this.consumedBytes += bytes;
    if (this.consumed < UnconsumedEvents.REPORT_EVENTS && this.consumedBytes < UnconsumedEvents.REPORT_BYTES) return;
    this.post({ t: 'consumed', count: this.consumed, bytes: this.consumedBytes });
    this.consumed = 0;
    this.consumedBytes = 0;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = new Promise<void>((resolve) => (this.onClosed = resolve));
      this.post({ t: 'close' });
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref());
      await Promise.race([closed, timeout]);
      await this.worker.terminate();
    })();
    return this.closing;
  }

  /** Acknowledgements released in one turn go to the session thread together, in release order. */
  private release(code: number): void {
    this.acks.push(code);
    if (this.acksScheduled) return;
    this.acksScheduled = true;
    queueMicrotask(() => this.flushAcks());
  }

  private flushAcks(): void {
    this.acksScheduled = false;
    if (!this.acks.length) return;
    const codes = Uint32Array.from(this.acks);
    this.acks = [];
    this.worker.postMessage({ t: 'acks', codes } satisfies ToSessionThread, [codes.buffer]);
  }

  /** Every message to the thread goes after the acknowledgements released before it. */
  private post(m: ToSessionThread): void {
    this.flushAcks();
    this.worker.postMessage(m);
  }
}

function toWire(err: unknown): WireError {
  if (isSluiceError(err)) return { code: err.code, message: err.message, ...(err instanceof SubscriptionFailed ? { subscriptionFailed: true } : {}) };
  return { message: err instanceof Error ? err.message : String(err) };
}

function fromWire(e: WireError): Error {
  if (e.code) return e.subscriptionFailed ? new SubscriptionFailed(e.code, e.message) : new SluiceError(e.code, e.message);
  return new Error(e.message);
}

/** The session thread's side: opens the session it is asked for and relays between it and the pulling thread. */
function serveSessionThread(): void {
  const port = parentPort!;
  // Replaced when the session opens, by one reading ahead as the open request asks.
  let batcher = new SessionEventBatcher();
  let session: MqttSession | undefined;
  let flushScheduled = false;
  const backlog = new UnconsumedEvents();
  let stopped = false;
  let congested = false;
  const applyPause = () => {
    if (stopped || congested) session?.stopReceiving();
    else session?.resumeReceiving();
  };
  const flush = () => {
    flushScheduled = false;
    if (batcher.size === 0) return;
    const batch = batcher.take();
    const full = backlog.posted(batch.receivedAt.length, batchBytes(batch));
    port.postMessage({ t: 'events', batch } satisfies FromSessionThread, batchTransferables(batch));
    if (full && !congested) {
      congested = true;
      applyPause();
    }
  };
  const added = () => {
    if (batcher.size >= MAX_BATCH_EVENTS) flush();
    else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };
  const handlers: MqttSessionHandlers = {
    onMessage: (m) => {
      batcher.addMessage(m, m.receivedAt.getTime());
      added();
    },
    onPubrel: (id) => {
      batcher.addPubrel(id, Date.now());
      added();
    },
    onError: (err) => {
      flush();
      port.postMessage({ t: 'error', error: toWire(err) } satisfies FromSessionThread);
    },
  };
  const open = (options: MqttSessionOptions, policy: BrokerPolicy) => {
    installBrokerPolicy(policy);
    // Reading runs here too, beside the pulling thread's merging and encoding.
    batcher = new SessionEventBatcher(options.readAhead);
    openMqttSession(options, handlers).then(
      (s) => {
        session = s;
        applyPause();
        port.postMessage({ t: 'open', sessionPresent: s.sessionPresent, protocolVersion: s.protocolVersion, topics: s.topics } satisfies FromSessionThread);
      },
      (err: unknown) => {
        flush();
        port.postMessage({ t: 'failed', error: toWire(err) } satisfies FromSessionThread);
        port.close();
      },
    );
  };
  port.on('message', (m: ToSessionThread) => {
    switch (m.t) {
      case 'open':
        open(m.options, m.policy);
        break;
      case 'acks':
        for (const code of m.codes) {
          const { kind, messageId } = decodeAck(code);
          if (kind === 'pubcomp') session?.complete(messageId);
          else session?.acknowledge({ qos: kind === 'puback' ? 1 : 2, messageId });
        }
        break;
      case 'consumed':
        if (backlog.consumed(m.count, m.bytes) && congested) {
          congested = false;
          applyPause();
        }
        break;
      case 'stop':
      case 'resume':
        stopped = m.t === 'stop';
        applyPause();
        break;
      case 'close':
        void (session?.close() ?? Promise.resolve()).finally(() => {
          port.postMessage({ t: 'closed' } satisfies FromSessionThread);
          port.close();
        });
    }
  });
}

if (!isMainThread && (workerData as { role?: unknown } | null)?.role === SESSION_THREAD_ROLE) serveSessionThread();

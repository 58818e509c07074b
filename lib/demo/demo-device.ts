/**
 * A simulated greenhouse sensor fleet for demos and first runs: each device publishes a temperature
 * and humidity reading as JSON to `${topicPrefix}/${device}/temperature` at QoS 1, retained (so a new
 * subscriber sees every device's latest reading at once).
 *
 * Readings follow a daily sine curve (warmest mid-afternoon, local clock) plus slow mean-reverting
 * noise, with a per-device offset, so charts look like real sensors rather than white noise.
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';

export interface DemoReading {
  /** RFC 3339, UTC, millisecond precision. */
  event_time: string;
  device_id: string;
  /** °C, two decimals. */
  temperature: number;
  /** % relative humidity, one decimal. */
  humidity: number;
}

export interface DemoDeviceOptions {
  /** Broker URL: `mqtt://`, `mqtts://`, `ws://`, `wss://`. */
  url: string;
  /** Default `demo/sensors`. */
  topicPrefix?: string;
  /** Default `['greenhouse-1', 'greenhouse-2']`. */
  devices?: string[];
  /** Time between readings of one device. Default 2000: longer than a pull's 1 s idle timeout, so a pull of the demo ends once it has what was waiting. */
  intervalMs?: number;
  username?: string;
  password?: string;
  /** One-line notices: connection lost / restored. Default: silent. */
  log?: (line: string) => void;
}

export interface DemoDevice {
  /** Stops publishing and disconnects (waiting briefly for in-flight publishes). Idempotent. */
  stop(): Promise<void>;
}

export const DEMO_TOPIC_PREFIX = 'demo/sensors';
export const DEMO_DEVICES: readonly string[] = ['greenhouse-1', 'greenhouse-2'];

/** The topic a demo device publishes to. */
export function demoTopic(device: string, topicPrefix = DEMO_TOPIC_PREFIX): string {
  return `${topicPrefix.replace(/\/+$/, '')}/${device}/temperature`;
}

/**
 * Connects and starts publishing. Resolves after the first connection (so an unreachable broker or
 * refused credentials fail here); afterwards it reconnects on its own if the broker goes away.
 */
export async function startDemoDevice(opts: DemoDeviceOptions): Promise<DemoDevice> {
  const topicPrefix = opts.topicPrefix ?? DEMO_TOPIC_PREFIX;
  const devices = [...(opts.devices ?? DEMO_DEVICES)];
  const intervalMs = opts.intervalMs ?? 2000;
  const log = opts.log ?? (() => {});
  if (devices.length === 0) throw new Error('startDemoDevice: at least one device is needed');
  if (!(intervalMs > 0)) throw new RangeError(`startDemoDevice: intervalMs must be positive, got ${intervalMs}`);
  for (const d of devices) {
    if (!d || /[+#/]/.test(d)) throw new Error(`startDemoDevice: device id ${JSON.stringify(d)} cannot be a topic level`);
  }

  const client = mqtt.connect(opts.url, {
    clientId: `sluice-demo-${randomBytes(4).toString('hex')}`,
    // 3.1.1 works with every broker, the embedded aedes one included.
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    username: opts.username,
    password: opts.password,
  });

  try {
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        client.off('connect', onConnect).off('error', onError).off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onConnect = () => settle();
      const onError = (err: Error) => settle(err);
      // A refused WebSocket upgrade or a connect timeout shows up as 'close' alone.
      const onClose = () => settle(new Error('connection closed before the broker accepted it'));
      client.on('connect', onConnect).on('error', onError).on('close', onClose);
    });
  } catch (err) {
    client.end(true);
    throw new Error(`demo device cannot connect to ${opts.url}: ${(err as Error).message}`, { cause: err });
  }

  // After the first connection: keep going through broker restarts, say so once per outage.
  let online = true;
  client.on('offline', () => {
    if (online) log(`demo device lost its connection to ${opts.url}; reconnecting`);
    online = false;
  });
  client.on('connect', () => {
    if (!online) log(`demo device reconnected to ${opts.url}`);
    online = true;
  });
  client.on('error', () => {
    /* reported through 'offline'; mqtt.js keeps reconnecting */
  });

  const generator = createReadingGenerator(devices);
  let inFlight = 0;
  const publishAll = () => {
    // Readings taken while disconnected are dropped rather than queued without bound; a bounded
    // window keeps a slow broker from piling up unacknowledged publishes.
    if (!client.connected || inFlight >= devices.length * 10) return;
    const now = new Date();
    for (const device of devices) {
      const reading = generator.next(device, now);
      inFlight++;
      client.publish(demoTopic(device, topicPrefix), JSON.stringify(reading), { qos: 1, retain: true }, () => {
        inFlight--;
      });
    }
  };
  publishAll();
  const timer = setInterval(publishAll, intervalMs);

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        // Graceful end waits for in-flight acknowledgements; do not hang on a broker that is gone.
        const graceful = new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2_000).unref());
        if ((await Promise.race([graceful, timeout])) === 'timeout') {
          await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
        }
      })();
      return stopping;
    },
  };
}

/**
 * The signal model, separate from MQTT so it can be tested: `next(device, time)` returns that
 * device's reading at `time`. `random` defaults to Math.random (pass a seeded one for repeatability).
 */
export function createReadingGenerator(
  devices: readonly string[],
  random: () => number = Math.random,
): { next(device: string, time: Date): DemoReading } {
  const profiles = new Map(devices.map((d) => [d, deviceProfile(d)]));

  return {
    next(device, time) {
      let p = profiles.get(device);
      if (!p) profiles.set(device, (p = deviceProfile(device)));
      const ms = time.getTime();
      // Noise decays towards 0 with a ~5 minute time constant, so it wanders but stays bounded.
      const dtSec = p.lastMs === undefined ? 60 : Math.max(0, (ms - p.lastMs) / 1000);
      p.lastMs = ms;
      const keep = Math.exp(-dtSec / 300);
      const scale = Math.sqrt(1 - keep * keep);
      p.noise = keep * p.noise + scale * 0.4 * gaussian(random);
      p.humidityNoise = keep * p.humidityNoise + scale * 1.5 * gaussian(random);

      // Local hour of day; peak at 15:00 (+ phase), trough at 03:00.
      const hours = time.getHours() + time.getMinutes() / 60 + time.getSeconds() / 3600 + time.getMilliseconds() / 3.6e6;
      const daily = Math.sin((2 * Math.PI * (hours - 9 - p.phaseHours)) / 24);
      const jitter = (random() - 0.5) * 0.06; // sensor quantisation / read noise
      const temperature = p.base + p.amplitude * daily + p.noise + jitter;
      // Warmer air holds more water: relative humidity falls as the temperature rises.
      const humidity = clamp(p.humidityBase - 2.2 * (temperature - p.base) + p.humidityNoise, 15, 98);
      return {
        event_time: time.toISOString(),
        device_id: device,
        temperature: round(temperature, 2),
        humidity: round(humidity, 1),
      };
    },
  };
}

/** A device's fixed character, derived from its name (offset, swing, phase), and its noise state. */
function deviceProfile(device: string) {
  const h = hash(device);
  return {
    base: 19 + (h % 400) / 100, // 19.00 – 22.99 °C
    amplitude: 3 + ((h >>> 9) % 200) / 100, // 3 – 5 °C swing
    phaseHours: ((h >>> 17) % 120) / 60 - 1, // ±1 h
    humidityBase: 50 + ((h >>> 5) % 150) / 10, // 50 – 65 %
    noise: 0,
    humidityNoise: 0,
    lastMs: undefined as number | undefined,
  };
}

/** FNV-1a, 32 bit: a stable per-device seed. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Standard normal sample (Box–Muller). */
function gaussian(random: () => number): number {
  const u = 1 - random(); // (0, 1]
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

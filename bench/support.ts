import { execFileSync } from 'node:child_process';
import mqtt from 'mqtt';

/** ~200-byte JSON reading, unique per `i` (Ledger key: event_time + device_id). */
export function benchPayload(i: number): string {
  const event = new Date(Date.UTC(2026, 0, 1) + i).toISOString();
  return JSON.stringify({
    event_time: event,
    device_id: `device-${String(i % 1000).padStart(5, '0')}`,
    seq: i,
    temperature: Math.round((20 + 5 * Math.sin(i / 1000)) * 100) / 100,
    humidity: Math.round((40 + 10 * Math.cos(i / 700)) * 10) / 10,
    status: 'ok',
    note: 'sluice-bench-padding-0123456789abcdef0123456789-0123456789abcdef',
  });
}

export const BENCH_FIELDS = `            - name: event_time
              type: Timestamp
            - name: device_id
              type: String
            - name: seq
              type: Int64
            - name: temperature
              type: Float64
            - name: humidity
              type: Float64
            - name: status
              type: String
            - name: note
              type: String`;

/** Creates a persistent (clean=false) QoS 1 session for `clientId` on `topic`, then leaves. */
export function createSession(port: number, clientId: string, topic: string, v5: boolean): void {
  execFileSync('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-c', '-i', clientId, '-q', '1', '-t', topic, '-E', ...(v5 ? ['-V', '5', '-x', '86400'] : [])]);
}

/**
 * Publishes `count` QoS 1 messages from i = start, keeping at most 500 unacknowledged (mqtt.js
 * slows down ~40x without a window; mosquitto_pub -l gets disconnected for flooding).
 */
export async function publishBacklog(port: number, topic: string, start: number, count: number): Promise<void> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  const inFlight = new Set<Promise<unknown>>();
  for (let i = start; i < start + count; i++) {
    const p = client.publishAsync(topic, benchPayload(i), { qos: 1 }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 500) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await client.endAsync();
}

/** Seconds it takes mosquitto_sub to drain `count` messages from its persistent session. */
export function timeMosquittoSub(port: number, clientId: string, topic: string, count: number, v5: boolean): number {
  const t = performance.now();
  execFileSync('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-c', '-i', clientId, '-q', '1', '-t', topic, '-C', String(count), ...(v5 ? ['-V', '5', '-x', '86400'] : [])], {
    stdio: ['ignore', 'ignore', 'inherit'],
    maxBuffer: 1 << 30,
  });
  return (performance.now() - t) / 1000;
}

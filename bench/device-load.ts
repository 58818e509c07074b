/**
 * The simulated devices of bench:devices, in a process of their own (so the endpoint's figures are
 * not bounded by clients sharing its event loop). Lean MQTT 5 clients on raw sockets: PUBLISH
 * packets from mqtt-packet, PUBACKs read by its parser; a flood's packets are generated before it
 * starts, and what one read's PUBACKs release is sent in one write. Reads one JSON job from argv[2], writes
 * one JSON result line to stdout.
 *   flood:   every connection publishes `each` QoS 1 messages keeping `window` unacknowledged → msg/s
 *   paced:   `rate` msg/s in all for `seconds`, spread over the connections → PUBACK latencies (ms)
 *   idle:    opens `connections` and holds them until stdin closes
 */
import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { benchPayload } from './support';

interface Job {
  kind: 'flood' | 'paced' | 'idle';
  port: number;
  username: string;
  password: string;
  connections: number;
  each?: number;
  window?: number;
  rate?: number;
  seconds?: number;
}

const job = JSON.parse(process.argv[2]) as Job;

interface Device {
  socket: net.Socket;
  acked: (id: number) => void;
}

async function connect(i: number, onAck: (id: number) => void): Promise<Device> {
  const socket = net.connect(job.port, '127.0.0.1');
  socket.setNoDelay(true);
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  const device: Device = { socket, acked: onAck };
  const connected = new Promise<void>((resolve, reject) => {
    parser.on('packet', (p) => {
      if (p.cmd === 'connack') return (p as { reasonCode?: number }).reasonCode ? reject(new Error(`CONNACK ${(p as { reasonCode?: number }).reasonCode}`)) : resolve();
      if (p.cmd === 'puback') device.acked(p.messageId!);
    });
    socket.once('error', reject);
  });
  // What the PUBACKs of one read release leaves in one write, as MQTT.js does (mqtt-packet's
  // writeToStream corks the socket until the end of the tick).
  socket.on('data', (b) => {
    socket.cork();
    parser.parse(b);
    socket.uncork();
  });
  // No keep-alive: these devices send no PINGREQ, and connecting 1,000 on a loaded machine can take longer than one.
  socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: `load-${process.pid}-${i}`, keepalive: 0, username: job.username, password: Buffer.from(job.password) }, { protocolVersion: 5 }));
  await connected;
  return device;
}

async function connectAll(onAck: (d: number, id: number) => void): Promise<Device[]> {
  const out: Device[] = [];
  for (let i = 0; i < job.connections; i += 50) out.push(...(await Promise.all(Array.from({ length: Math.min(50, job.connections - i) }, (_, k) => connect(i + k, (id) => onAck(i + k, id))))));
  return out;
}

const publish = (d: number, id: number, seq: number) => mqttPacket.generate({ cmd: 'publish', topic: `bench/d${d}`, payload: Buffer.from(benchPayload(seq)), qos: 1, messageId: id, retain: false, dup: false }, { protocolVersion: 5 });

let seq = 0;
if (job.kind === 'flood') {
  const each = job.each!;
  const window = job.window!;
  const sent = new Array<number>(job.connections).fill(0);
  const done = new Array<number>(job.connections).fill(0);
  let finished = 0;
  let resolveAll: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  let devices: Device[] = [];
  // Every device's packets are generated before the clock starts, so that the simulated devices
  // spend the shared cores on the exchange (sockets, PUBACKs) rather than on building JSON.
  const packets = Array.from({ length: job.connections }, (_, d) => Array.from({ length: each }, (_, k) => publish(d, ((k + 1) % 65535) + 1, seq++)));
  const next = (d: number) => {
    if (sent[d] >= each) return;
    devices[d].socket.write(packets[d][sent[d]++]);
  };
  devices = await connectAll((d) => {
    done[d]++;
    if (done[d] === each && ++finished === job.connections) resolveAll();
    next(d);
  });
  // Connected: the bench notes what the endpoint and Postgres spent so far, then says go.
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  await new Promise((r) => process.stdin.once('data', r));
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let d = 0; d < devices.length; d++) for (let k = 0; k < Math.min(window, each); k++) next(d);
  await all;
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ messages: job.connections * each, seconds, rate: (job.connections * each) / seconds, loadCpuMs: (used.user + used.system) / 1000 })}\n`);
  for (const d of devices) d.socket.destroy();
} else if (job.kind === 'paced') {
  const samples: number[] = [];
  const sentAt = new Map<string, number>();
  const devices = await connectAll((d, id) => {
    const key = `${d}:${id}`;
    samples.push(performance.now() - sentAt.get(key)!);
    sentAt.delete(key);
  });
  const total = job.rate! * job.seconds!;
  const started = performance.now();
  const ids = new Array<number>(devices.length).fill(0);
  for (let i = 0; i < total; i++) {
    const due = started + (i / job.rate!) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const d = i % devices.length;
    const id = (ids[d] = (ids[d] % 65535) + 1);
    sentAt.set(`${d}:${id}`, performance.now());
    devices[d].socket.write(publish(d, id, seq++));
  }
  while (samples.length < total) await new Promise((r) => setTimeout(r, 10));
  const lag = (performance.now() - started) / 1000 - job.seconds!;
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
  process.stdout.write(`${JSON.stringify({ messages: samples.length, p50: pct(50), p99: pct(99), max: samples.at(-1), lagSeconds: lag })}\n`);
  for (const d of devices) d.socket.destroy();
} else {
  const devices = await connectAll(() => undefined);
  process.stdout.write(`${JSON.stringify({ connected: devices.length })}\n`);
  process.stdin.resume();
  await new Promise((r) => process.stdin.once('end', r));
  for (const d of devices) d.socket.destroy();
}

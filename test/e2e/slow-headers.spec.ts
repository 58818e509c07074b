/**
 * `sluice serve` against a client that opens connections and sends its request headers a byte at a
 * time (slowloris): each such connection is answered 408 and dropped once the headers timeout
 * passes, not held for the minute or more Node allows by default; one that trickles its body is
 * dropped once the request timeout (30 s) passes, not after Node's 5 minutes.
 */
import net from 'node:net';
import { expect, test } from './fixtures';

const BASE_URL = new URL(process.env.SLUICE_E2E_BASE_URL!);

test('a client that never finishes its request headers is answered 408 and disconnected within the 10 s headers timeout; the console keeps answering', async () => {
  test.setTimeout(60_000);
  const socket = net.connect(Number(BASE_URL.port), BASE_URL.hostname);
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
  // A reset is one way of being disconnected; 'close' follows it and is what is timed.
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const opened = Date.now();
  socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
  // Node's default (60 s, checked every 30 s) would keep it past the test's timeout.
  expect((await closed) - opened).toBeLessThan(45_000);
  expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  expect((await fetch(new URL('/sign-in', BASE_URL))).status).toBeLessThan(500);
});

test('a client that trickles its request body is disconnected within the 30 s request timeout', async () => {
  test.setTimeout(90_000);
  const socket = net.connect(Number(BASE_URL.port), BASE_URL.hostname);
  socket.on('data', () => {});
  // The server may answer the trickle with a reset (ECONNRESET on the next write); 'close' follows
  // it and is what is timed.
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const opened = Date.now();
  socket.write('POST /api/nothing HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n');
  const trickle = setInterval(() => socket.write('x'), 1_000);
  try {
    // Node's default (300 s) would keep it past the test's timeout.
    expect((await closed) - opened).toBeLessThan(75_000);
  } finally {
    clearInterval(trickle);
  }
});

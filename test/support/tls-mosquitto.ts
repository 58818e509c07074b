import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts, waitForPort } from './free-port';

/** A throwaway certificate authority and a server certificate it signed, as PEM files in `dir`. */
export interface TestPki {
  dir: string;
  /** The CA certificate (PEM text): what a client must trust. */
  ca: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** A client certificate and key signed by the same CA (PEM text). */
  clientCert: string;
  clientKey: string;
  cleanup(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Generates, with the machine's `openssl`, a CA (valid for a day) and a server certificate for
 * `localhost` / 127.0.0.1 (subjectAltName) signed by it. EC P-256 keys, so it takes milliseconds.
 */
export function createTestPki(names: { dns?: string[]; ip?: string[] } = {}): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-pki-'));
  const san = [...(names.dns ?? ['localhost']).map((d) => `DNS:${d}`), ...(names.ip ?? ['127.0.0.1']).map((ip) => `IP:${ip}`)].join(',');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=Sluice test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(dir, ['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(
    path.join(dir, 'server.ext'),
    [`subjectAltName=${san}`, 'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth'].join('\n') + '\n',
  );
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext']);
  openssl(dir, ['req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=sluice-test-client']);
  fs.writeFileSync(path.join(dir, 'client.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  openssl(dir, ['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '1', '-extfile', 'client.ext']);
  // Mosquitto may drop privileges; the files must stay readable for it.
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);
  fs.chmodSync(dir, 0o755);
  return {
    dir,
    ca: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'),
    caFile: path.join(dir, 'ca.crt'),
    certFile: path.join(dir, 'server.crt'),
    keyFile: path.join(dir, 'server.key'),
    clientCert: fs.readFileSync(path.join(dir, 'client.crt'), 'utf8'),
    clientKey: fs.readFileSync(path.join(dir, 'client.key'), 'utf8'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsMosquittoServer {
  /** Plain MQTT listener on 127.0.0.1 (for test publishers). */
  port: number;
  url: string;
  /** MQTT over TLS listener on 127.0.0.1, presenting `pki`'s server certificate. */
  tlsPort: number;
  pki: TestPki;
  stop(): Promise<void>;
}

/**
 * A throwaway Mosquitto (Debian's package) with a plain listener and a TLS listener, both on
 * loopback, anonymous access, sessions in memory. Mirrors mosquitto-server.ts.
 */
export async function startTlsMosquitto(opts: { requireClientCertificate?: boolean } = {}): Promise<TlsMosquittoServer> {
  const pki = createTestPki();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-mosquitto-tls-'));
  const [port, tlsPort] = await freePorts(2);
  const lines = [
    `per_listener_settings false`,
    `allow_anonymous true`,
    `persistence false`,
    `max_queued_messages 100000`,
    `log_dest file ${dir}/mosquitto.log`,
    `listener ${port} 127.0.0.1`,
    `listener ${tlsPort} 127.0.0.1`,
    `cafile ${pki.caFile}`,
    `certfile ${pki.certFile}`,
    `keyfile ${pki.keyFile}`,
    ...(opts.requireClientCertificate ? ['require_certificate true'] : []),
  ];
  if (process.getuid?.() === 0) lines.unshift('user root');
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, lines.join('\n') + '\n');

  const child: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      Promise.all([waitForPort(port), waitForPort(tlsPort)]),
      exited.then(() => {
        const log = fs.existsSync(path.join(dir, 'mosquitto.log')) ? fs.readFileSync(path.join(dir, 'mosquitto.log'), 'utf8') : '';
        throw new Error(`mosquitto (TLS) exited during start-up:\n${log}`);
      }),
    ]);
  } catch (err) {
    child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
    pki.cleanup();
    throw err;
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    tlsPort,
    pki,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
      pki.cleanup();
    },
  };
}

import net from 'node:net';

/**
 * A bare Postgres wire-protocol client for tests that must control exactly which messages a
 * connection sends when (node-postgres always sends a whole extended-query exchange at once).
 */
export class PgWire {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.waiting?.();
    });
  }

  static async connect(port: number): Promise<PgWire> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const wire = new PgWire(socket);
    const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4); // protocol 3.0
    socket.write(Buffer.concat([startup, params]));
    await wire.untilReady();
    return wire;
  }

  parse(sql: string): void {
    this.send('P', Buffer.concat([cstr(''), cstr(sql), int16(0)]));
  }

  bind(values: string[]): void {
    const params = values.map((v) => Buffer.concat([int32(Buffer.byteLength(v)), Buffer.from(v)]));
    this.send('B', Buffer.concat([cstr(''), cstr(''), int16(0), int16(values.length), ...params, int16(0)]));
  }

  execute(): void {
    this.send('E', Buffer.concat([cstr(''), int32(0)]));
  }

  /** Execute and Sync: the exchange ends with ReadyForQuery. */
  executeAndSync(): void {
    this.execute();
    this.send('S', Buffer.alloc(0));
  }

  /** A simple query (one round trip). */
  query(sql: string): void {
    this.send('Q', cstr(sql));
  }

  /** The first column of each DataRow, or the server's error, up to ReadyForQuery. */
  async untilReady(): Promise<{ values: string[]; error?: string }> {
    const values: string[] = [];
    let error: string | undefined;
    for (;;) {
      const [type, body] = await this.message();
      if (type === 'D') values.push(body.subarray(6, 6 + body.readInt32BE(2)).toString());
      if (type === 'E') error = body.toString().split('\0').find((f) => f.startsWith('M'))?.slice(1);
      if (type === 'Z') return { values, error };
    }
  }

  /** Whether anything has arrived that was not read yet. */
  get hasPending(): boolean {
    return this.buffer.length > 0;
  }

  close(): void {
    this.socket.destroy();
  }

  private send(type: string, body: Buffer): void {
    this.socket.write(Buffer.concat([Buffer.from(type), int32(4 + body.length), body]));
  }

  private async message(): Promise<[string, Buffer]> {
    while (this.buffer.length < 5 || this.buffer.length < 1 + this.buffer.readInt32BE(1)) {
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    const length = this.buffer.readInt32BE(1);
    const message: [string, Buffer] = [String.fromCharCode(this.buffer[0]), this.buffer.subarray(5, 1 + length)];
    this.buffer = this.buffer.subarray(1 + length);
    return message;
  }
}

const cstr = (s: string) => Buffer.from(`${s}\0`);
const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

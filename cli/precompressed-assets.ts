import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

/** Build assets worth compressing ahead: the DuckDB-WASM binary is 34 MB raw, ~6 MB as brotli. */
const PRECOMPRESSED = /\.wasm$/;
/**
 * Brotli quality 5: 1.4 s for DuckDB's 34 MB wasm on one core here, 6.2 MB; quality 9 took 7.3 s
 * for 5.9 MB (measured). Compression is on the first start's path, the 5 % on the wire is not.
 */
const ENCODINGS = [
  { name: 'br', ext: '.br', create: () => zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }) },
  { name: 'gzip', ext: '.gz', create: () => zlib.createGzip({ level: 9 }) },
] as const;

const compressAll = (file: string) => Promise.all(ENCODINGS.map((e) => compressOnce(file, e.ext, e.create)));
const largeAssets = (distDir: string) => listFiles(path.join(distDir, 'static')).filter((f) => PRECOMPRESSED.test(f));

/**
 * Writes the compressed copies of a fresh build's large assets, as the build's last step, so that
 * a server started on it serves them from its first request instead of compressing them then.
 */
export async function precompressBuildAssets(distDir: string): Promise<void> {
  await Promise.all(largeAssets(distDir).map(compressAll));
}

/**
 * Serves the build's large static assets (`/_next/static/**\/*.wasm`) compressed, as immutable:
 * Next serves them raw. Compressed copies are written beside the build output once: by
 * precompressBuildAssets after `sluice start`'s build, else starting when the server starts (in
 * zlib's thread pool), when a request that arrives first waits for its copy.
 */
export function precompressedAssets(distDir: string) {
  const staticDir = path.join(distDir, 'static');
  const ready = new Map<string, Promise<void>>();
  for (const file of largeAssets(distDir)) {
    const compressed = compressAll(file).then(
      () => undefined,
      (err: unknown) => {
        // E.g. a read-only build directory: Next serves the file uncompressed, as before.
        console.error(`could not precompress ${file}: ${(err as Error).message}`);
        ready.delete(file);
      },
    );
    ready.set(file, compressed);
  }
  /** Answers the request and returns true when it is for a precompressed asset the client can decode. */
  return async function serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET' || !url.pathname.startsWith('/_next/static/')) return false;
    const file = path.join(staticDir, url.pathname.slice('/_next/static/'.length));
    const pending = ready.get(file);
    const accepted = acceptedEncodings(String(req.headers['accept-encoding'] ?? ''));
    const encoding = ENCODINGS.find((e) => accepted.has(e.name));
    if (!pending || !encoding) return false;
    await pending;
    if (!ready.has(file)) return false;
    const { size } = await fs.promises.stat(file + encoding.ext);
    res.writeHead(200, {
      'content-type': 'application/wasm',
      'content-encoding': encoding.name,
      'content-length': size,
      'cache-control': 'public, max-age=31536000, immutable',
      vary: 'accept-encoding',
    });
    await pipeline(fs.createReadStream(file + encoding.ext), res);
    return true;
  };
}

/** Codings the client accepts (`br;q=0` refuses brotli). */
function acceptedEncodings(header: string): Set<string> {
  const accepted = new Set<string>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && (!q || Number(q.slice(2)) > 0)) accepted.add(name.toLowerCase());
  }
  return accepted;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** Writes `file + ext` unless an up-to-date copy exists; through a temporary name, so a crash leaves no half file. */
async function compressOnce(file: string, ext: string, create: () => zlib.BrotliCompress | zlib.Gzip): Promise<void> {
  const target = file + ext;
  const [src, dst] = await Promise.all([fs.promises.stat(file), fs.promises.stat(target).catch(() => undefined)]);
  if (dst && dst.mtimeMs >= src.mtimeMs) return;
  const tmp = `${target}.${process.pid}.tmp`;
  await pipeline(fs.createReadStream(file), create(), fs.createWriteStream(tmp));
  await fs.promises.rename(tmp, target);
}

/**
 * Fixes to aedes 1.2.0 and aedes-persistence 11.0.0 (its in-memory persistence) that the embedded
 * broker depends on, applied to the installed packages by `bin/patch-aedes.mjs` (npm's postinstall,
 * so `npm ci` / `npm install` on a fresh clone apply them). Each fix replaces one exact piece of the
 * published source; the replacement carries a `sluice patch` comment, which is also how a patched
 * file is recognised. None is fixed upstream as of aedes 1.2.0 (moscajs/aedes#533, #955, #994).
 *
 * A version other than the one a fix was written against, or source that no longer contains the
 * exact piece to replace, fails the install: the fixes must then be reviewed, not skipped.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

interface SourceFix {
  /** npm package name and the exact version the fix was written against. */
  pkg: 'aedes' | 'aedes-persistence';
  version: string;
  /** Path inside the package. */
  file: string;
  /** What goes wrong without it. */
  why: string;
  before: string;
  after: string;
}

export const AEDES_FIXES: readonly SourceFix[] = [
  {
    pkg: 'aedes',
    version: '1.2.0',
    file: 'lib/client.js',
    why:
      'Live messages were dropped as "duplicates": each client remembered only the highest broker ' +
      'counter it had been sent and discarded anything lower, but publishes finish their persistence ' +
      'steps (retained store, offline queues) out of order, so a message emitted after a later one was lost ' +
      'for every live subscriber although the publisher had its PUBACK.',
    before: `  const result = (duplicates[id] || 0) < counter
  if (result) {`,
    after: `  // sluice patch: drop only a repeat of the message just sent. All copies of one message reach a
  // client within one synchronous mqemitter dispatch (one per overlapping subscription), so a repeat
  // always has the last counter; a lower counter is an earlier message that finished storing late.
  const result = duplicates[id] !== counter
  if (result) {`,
  },
  {
    pkg: 'aedes',
    version: '1.2.0',
    file: 'lib/handlers/publish.js',
    why:
      'A QoS 1 PUBLISH was acknowledged before it was stored (retained message, queues of offline ' +
      'persistent sessions): a broker killed in between lost a message its publisher considered delivered.',
    before: `    case 1:
      write(client, new PubAck(packet), function (err) {
        if (err) { return done(err) }
        client.broker.publish(packet, client, done)
      })
      break`,
    after: `    case 1:
      // sluice patch: acknowledge once published (stored and dispatched), as QoS 2 does with PUBREC
      client.broker.publish(packet, client, (err) => {
        if (err) { return done(err) }
        write(client, new PubAck(packet), done)
      })
      break`,
  },
  {
    pkg: 'aedes',
    version: '1.2.0',
    file: 'lib/handlers/pubrec.js',
    why:
      'A retained QoS 2 message sent to a persistent session on SUBSCRIBE is not queued, so its PUBREC ' +
      'found nothing to update and the broker closed the connection ("no such packet").',
    before: `    .then(() => write(client, pubrel, done), done)`,
    after: `    .then(() => write(client, pubrel, done), (err) => {
      // sluice patch: an untracked delivery (a retained message on SUBSCRIBE) still completes its handshake
      if (err.message === 'no such packet') write(client, pubrel, done)
      else done(err)
    })`,
  },
  {
    pkg: 'aedes-persistence',
    version: '11.0.0',
    file: 'asyncPersistence.js',
    why:
      "The in-memory persistence matched a PUBREL (which has no broker id) against an earlier PUBREL " +
      'still in the queue and rewrote that one, so a persistent session never got the PUBREL of a QoS 2 ' +
      'message whose PUBREC arrived while another was in flight: the message was lost.',
    before: `      if (temp.brokerId === packet.brokerId) {
        if (temp.brokerCounter === packet.brokerCounter) {`,
    after: `      // sluice patch: only a PUBLISH carries a broker id; a PUBREL is found by its message id below
      if (packet.brokerId && temp.brokerId === packet.brokerId) {
        if (temp.brokerCounter === packet.brokerCounter) {`,
  },
];

/** The directory of each patched package, as the broker's own imports resolve it. */
function packageDirs(): Record<SourceFix['pkg'], string> {
  const fromHere = createRequire(import.meta.url);
  const aedes = path.dirname(fromHere.resolve('aedes'));
  // aedes' own copy of aedes-persistence: the one it loads as its default (memory) persistence.
  const persistence = path.dirname(createRequire(path.join(aedes, 'aedes.js')).resolve('aedes-persistence'));
  return { aedes, 'aedes-persistence': persistence };
}

function installedVersion(dir: string): string {
  return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The fixes not (yet) in the installed source, described for an error message. */
export function missingAedesFixes(): string[] {
  const dirs = packageDirs();
  return AEDES_FIXES.filter((fix) => !fs.readFileSync(path.join(dirs[fix.pkg], fix.file), 'utf8').includes(fix.after)).map(
    (fix) => `${fix.pkg}/${fix.file}`,
  );
}

/**
 * Applies every fix not yet applied (idempotent). A file is replaced (written aside, then renamed)
 * rather than rewritten in place, so a node_modules hard-linked from another checkout keeps its own.
 * Throws, changing nothing, when a package is not at the expected version or its source differs.
 */
export function applyAedesFixes(log: (line: string) => void = () => {}): void {
  const dirs = packageDirs();
  const edits = new Map<string, string>();
  for (const fix of AEDES_FIXES) {
    const version = installedVersion(dirs[fix.pkg]);
    if (version !== fix.version) {
      throw new Error(
        `${fix.pkg} ${version} is installed, but Sluice's fix to ${fix.file} was written for ${fix.version}; ` +
          `review lib/broker/aedes-patches.ts for the new version (${fix.why})`,
      );
    }
    const file = path.join(dirs[fix.pkg], fix.file);
    const text = edits.get(file) ?? fs.readFileSync(file, 'utf8');
    if (text.includes(fix.after)) continue;
    const at = text.indexOf(fix.before);
    if (at < 0 || text.indexOf(fix.before, at + 1) >= 0) {
      throw new Error(`${fix.pkg}/${fix.file} does not contain the code Sluice's fix replaces (exactly once); review lib/broker/aedes-patches.ts`);
    }
    edits.set(file, text.slice(0, at) + fix.after + text.slice(at + fix.before.length));
  }
  for (const [file, text] of edits) {
    const aside = `${file}.sluice-${process.pid}`;
    fs.writeFileSync(aside, text, { mode: fs.statSync(file).mode });
    fs.renameSync(aside, file);
    log(`patched ${path.relative(process.cwd(), file)}`);
  }
}

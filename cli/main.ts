import fs from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { isManifestError } from '../lib/odf/errors';
import type { OpCode } from '../lib/data/row';
import { isSluiceError, SluiceError } from '../lib/errors';
import type { ExportFormat } from '../lib/datasets/export-dataset';
import type { SnapshotScope } from '../lib/datasets/snapshot-scope';
import type { Store } from '../lib/store/open-store';
import { openConfiguredStore } from './configured-store';
import { databaseFailure, EXIT, exitCodeFor } from './exit-codes';
import { count, duration, ms, positiveDuration } from './option-parsers';
import { printTable } from './print-table';
import { readManifestSources, readTextFile } from './manifest-sources';

// Only commander and the modules above load before a command runs: everything else (the store,
// Prisma, pg, PGlite, mqtt, DuckDB, YAML, zod) is imported by the command that needs it, so `sluice
// --help` opens nothing and each command pays only for what it uses.

/**
 * What a command does when the reader of its standard output went away (`sluice export … | head`):
 * end there, quietly, as any Unix tool does. A follow run replaces it with its graceful stop, which
 * commits what it holds.
 */
let onStdoutClosed: () => void = () => process.exit(EXIT.ok);
let stdoutClosed = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE' || stdoutClosed) {
    stdoutClosed = true;
    return onStdoutClosed();
  }
  // Any other error is the command's to report (export's pipeline listens); unheard, it is thrown.
  if (process.stdout.listenerCount('error') === 1) throw err;
});

const program = new Command('sluice')
  .description('MQTT device traffic into versioned, Kamu-compatible datasets')
  .showHelpAfterError()
  .exitOverride();

/** Opens the store (DATABASE_URL or the embedded database), runs `fn`, closes it. */
async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openConfiguredStore();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const snapshotScopeOption = () =>
  new Option('--snapshot-scope <scope>', "what a Snapshot pull's snapshot is: every record of the pull (pull, Kamu's), or each topic's latest message (topic)").choices(['pull', 'topic']);

program
  .command('add')
  .description('add datasets from Kamu DatasetSnapshot manifests (YAML or JSON; several documents per file separated by ---)')
  .argument('<manifests...>', 'manifest files, directories with -r, or - for standard input')
  .option('-r, --recursive', 'add every .yaml/.yml file under the given directories')
  .option('--replace', 'replace an existing dataset of the same name (drops its data, keeps its broker session)')
  .option('-w, --workspace <slug>', "the workspace to add them to (default: each manifest's account/, else default)")
  .addOption(snapshotScopeOption())
  .action(async (args: string[], opts: { recursive?: boolean; replace?: boolean; workspace?: string; snapshotScope?: SnapshotScope }) => {
    const [{ addManifests, manifestDocuments }, { formatDatasetArg, operatorWorkspaceFor }] = await Promise.all([import('../lib/datasets/add-manifests'), import('./dataset-arg')]);
    const documents = manifestDocuments(readManifestSources(args, !!opts.recursive));
    const single = documents.length === 1;
    await withStore(async (store) => {
      const outcomes = await addManifests({
        store,
        documents,
        replace: opts.replace,
        snapshotScope: opts.snapshotScope,
        workspaceFor: operatorWorkspaceFor(store.workspaces, opts.workspace),
        onOutcome: (o) => {
          if (o.ok) console.log(`added ${formatDatasetArg(o.added.workspace, o.added.key.name)} (${o.added.id})`);
          else if (!single) console.error(`${o.label}: refused: ${o.error.message}`);
        },
      });
      const refused = outcomes.filter((o) => !o.ok);
      // One manifest: its error is the command's, as for every other command.
      if (single && refused.length) throw refused[0].error;
      if (!single) console.error(`${outcomes.length - refused.length} added, ${refused.length} refused (of ${outcomes.length} manifests)`);
      if (refused.length) throw new ReportedError(refused.at(-1)!.error);
    });
  });

program
  .command('set')
  .description("change a dataset's Sluice settings (kept outside its manifest, so exports stay Kamu's)")
  .argument('<dataset>')
  .addOption(snapshotScopeOption())
  .addOption(new Option('--always-on <on|off>', 'stream the dataset in the worker (`sluice worker`, `serve`, `start`), committing what arrives within about a second').choices(['on', 'off']))
  .action((name: string, opts: { snapshotScope?: SnapshotScope; alwaysOn?: 'on' | 'off' }) =>
    withStore(async (store) => {
      if (!opts.snapshotScope && !opts.alwaysOn) throw new SluiceError('INVALID_INPUT', 'say what to set: --snapshot-scope or --always-on');
      const [{ setSnapshotScope }, { setAlwaysOn }, { resolveDatasetArg }] = await Promise.all([import('../lib/datasets/set-snapshot-scope'), import('../lib/datasets/set-always-on'), import('./dataset-arg')]);
      const dataset = await resolveDatasetArg(store.workspaces, name);
      if (opts.snapshotScope) {
        await setSnapshotScope(store, dataset, opts.snapshotScope);
        console.log(`${name}: snapshot scope ${opts.snapshotScope}`);
      }
      if (opts.alwaysOn) {
        await setAlwaysOn(store, dataset, opts.alwaysOn === 'on');
        console.log(opts.alwaysOn === 'on' ? `${name}: always on (streamed by the worker of \`sluice start\`, \`serve\` or \`worker\`)` : `${name}: no longer always on`);
      }
    }),
  );

program
  .command('list')
  .description('list datasets with their source, merge strategy, rows, watermark and last pull')
  .action(() =>
    withStore(async (store) => {
      const [{ listDatasetRows }, { formatDatasetArg }] = await Promise.all([import('../lib/datasets/list-dataset-rows'), import('./dataset-arg')]);
      const rows = await listDatasetRows(store.datasets);
      printTable(
        ['NAME', 'KIND', 'SOURCE', 'TOPICS', 'MERGE', 'GUARANTEE', 'ROWS', 'WATERMARK', 'LAST PULL'],
        rows.map((d) => [formatDatasetArg(d.workspace, d.name), d.kind, d.broker, d.topics.join(' ') || '-', d.merge, d.guarantee, d.rows, d.watermark ?? '-', d.lastPull ? `${d.lastPull.at} ${d.lastPull.status}` : '-']),
      );
    }),
  );

program
  .command('pull')
  .description('pull datasets from their MQTT brokers until each is caught up')
  .argument('[datasets...]', 'dataset names')
  .option('--all', 'pull every dataset')
  .option('--idle-timeout <ms>', 'end a pull after the broker was idle this long', ms, 1000)
  .option('--record-cap <n>', 'at most this many QoS 1/2 messages per pull (then pull again)', count, 10_000)
  .option('--byte-cap <bytes>', 'at most this many bytes of payloads and topics per pull (then pull again)', count, 256 * 1024 * 1024)
  .option('--max-duration <ms>', 'end a pull after this long even if messages keep coming', ms, 30_000)
  .option('--connect-timeout <ms>', 'give up connecting after this long', ms, 5000)
  .option('--redelivery-wait <ms>', "how long the broker holds unacknowledged messages before redelivering them (NATS: mqtt.ack_wait); a pull waits this long once when the broker withholds them", ms, 30_000)
  .option('--no-wait', 'do not wait for a broker that withholds redeliveries: end saying what is pending')
  .addOption(new Option('--mqtt-version <v>', 'MQTT protocol version').choices(['auto', '5', '3.1.1']).default('auto'))
  .option('--ca <file>', 'CA certificate (PEM) to trust for mqtts:// and wss:// brokers')
  .option('--insecure', 'do not verify the broker certificate')
  .option('--env <name=broker[@workspace/dataset]>', 'let ${{ env.NAME }} read this environment variable, for that broker only, and for the datasets named after @ (else only those named on this command line; repeatable; also SLUICE_PULL_ENV)', (v: string, prev: string[] = []) => [...prev, v])
  .option('--follow', 'stream one dataset: keep the session open and commit every --commit-interval or --batch-size until Ctrl+C')
  .option('--commit-interval <duration>', 'with --follow: a message waits at most this long before it is committed (e.g. 1s, 500ms; default 1s)', positiveDuration)
  .option('--batch-size <n>', 'with --follow: commit as soon as this many messages wait (default 10000)', count)
  .action(async (names: string[], opts: PullCommandOptions, command: Command) => {
    // Options of the other mode are refused, not ignored: a user who gave one expected it to act.
    const given = (flags: Record<string, string>) => Object.keys(flags).filter((k) => command.getOptionValueSource(k) === 'cli').map((k) => flags[k]);
    if (opts.follow) {
      const stray = given({ idleTimeout: '--idle-timeout', recordCap: '--record-cap', byteCap: '--byte-cap', maxDuration: '--max-duration', redeliveryWait: '--redelivery-wait', wait: '--no-wait' });
      if (stray.length) throw new SluiceError('INVALID_INPUT', `${stray.join(', ')}: a follow run streams until it is stopped (its commits are set by --commit-interval and --batch-size)`);
      return followCommand(names, opts);
    }
    const stray = given({ commitInterval: '--commit-interval', batchSize: '--batch-size' });
    if (stray.length) throw new SluiceError('INVALID_INPUT', `${stray.join(', ')} ${stray.length > 1 ? 'apply' : 'applies'} only with --follow`);
    if (!opts.all && names.length === 0) throw new SluiceError('INVALID_INPUT', 'name the datasets to pull, or use --all');
    const [{ readEnv }, { parseEnvBindings, operatorEnvironment }, { pullUntilCaughtUp }, { openThreadedMqttSession, prepareSessionThread }, { atMostOnceTopics }, { formatDatasetArg, resolveDatasetArg }, { describeQosDowngrades }] = await Promise.all([
      import('../lib/config/env'),
      import('../lib/config/pull-environment'),
      import('../lib/ingest/pull-until-caught-up'),
      import('../lib/ingest/fetch/threaded-mqtt-session'),
      import('../lib/ingest/mqtt-source-config'),
      import('./dataset-arg'),
      import('../lib/ingest/delivery-guarantee'),
    ]);
    // The session thread loads while the store opens.
    prepareSessionThread();
    const bindings = parseEnvBindings(opts.env ?? [], readEnv().SLUICE_PULL_ENV);
    await withStore(async (store) => {
      const environment = await operatorEnvironment(process.env, bindings, store.workspaces);
      const targets = opts.all ? (await store.datasets.list()).map((d) => formatDatasetArg(d.workspace, d.name)) : names;
      let failed: SluiceError | Error | undefined;
      for (const name of targets) {
        try {
          const dataset = await resolveDatasetArg(store.workspaces, name);
          const r = await pullUntilCaughtUp({
            store: store.ingest,
            dataset,
            // Unscoped bindings are for the datasets the operator named, never for --all's.
            environment: environment(dataset, !opts.all),
            options: pullOptionsOf(opts),
            openSession: openThreadedMqttSession,
            waitForRedelivery: opts.wait,
            onWaiting: (p) => console.error(`${name}: waiting ${Math.ceil(p.retryAfterMs / 1000)} s: ${p.reason}`),
          });
          // Never "up to date" while the broker holds messages for the dataset.
          const what = r.pending ? (r.status === 'updated' ? `updated to ${r.newHead.slice(0, 12)}…, not caught up` : 'not caught up') : r.status === 'updated' ? `updated to ${r.newHead.slice(0, 12)}…` : 'up to date';
          console.log(
            `${name}: ${what} (${r.messagesReceived} messages, ${r.rowsCommitted} rows, ${r.quarantined} quarantined, ${r.duplicates} duplicates, ${r.pulls} pull${r.pulls === 1 ? '' : 's'})`,
          );
          const { snapshot } = (await store.datasets.find(dataset))!;
          if (r.pending) console.log(`  ${r.pending.reason}; pull again${r.pending.retryAfterMs ? ` in ${Math.ceil(r.pending.retryAfterMs / 1000)} s` : ''}`);
          for (const note of describeQosDowngrades(snapshot, r.qosDowngrades)) console.log(`  note: ${note}`);
          const qos0 = r.status === 'up_to_date' && !r.pending ? atMostOnceTopics(snapshot) : [];
          if (qos0.length) console.log(`  note: ${qos0.join(', ')} ${qos0.length === 1 ? 'is' : 'are'} subscribed at QoS 0: the broker keeps nothing published while no pull is connected (only retained values); use QoS 1 (AtLeastOnce) to collect it`);
        } catch (err) {
          failed = err as Error;
          console.error(`${name}: failed: ${(err as Error).message}`);
        }
      }
      if (failed) throw new ReportedError(failed);
    });
  });

interface PullCommandOptions {
  all?: boolean;
  idleTimeout: number;
  recordCap: number;
  byteCap: number;
  maxDuration: number;
  connectTimeout: number;
  redeliveryWait: number;
  wait: boolean;
  mqttVersion: string;
  ca?: string;
  insecure?: boolean;
  env?: string[];
  follow?: boolean;
  commitInterval?: number;
  batchSize?: number;
}

function pullOptionsOf(opts: PullCommandOptions) {
  return {
    idleTimeoutMs: opts.idleTimeout,
    recordCap: opts.recordCap,
    byteCap: opts.byteCap,
    maxDurationMs: opts.maxDuration,
    connectTimeoutMs: opts.connectTimeout,
    redeliveryWaitMs: opts.redeliveryWait,
    protocolVersion: opts.mqttVersion === '5' ? (5 as const) : opts.mqttVersion === '3.1.1' ? (4 as const) : ('auto' as const),
    tls: opts.ca || opts.insecure ? { ca: opts.ca ? readTextFile(opts.ca) : undefined, rejectUnauthorized: !opts.insecure } : undefined,
  };
}

/** `sluice pull <dataset> --follow`: streams until SIGINT/SIGTERM, then commits what it holds and exits 0. */
async function followCommand(names: string[], opts: PullCommandOptions): Promise<void> {
  if (opts.all || names.length !== 1) throw new SluiceError('INVALID_INPUT', '--follow streams one dataset: name exactly one');
  const [{ readEnv }, { parseEnvBindings, operatorEnvironment }, { followPull }, { openThreadedMqttSession, prepareSessionThread }, { resolveDatasetArg }] = await Promise.all([
    import('../lib/config/env'),
    import('../lib/config/pull-environment'),
    import('../lib/ingest/follow-pull'),
    import('../lib/ingest/fetch/threaded-mqtt-session'),
    import('./dataset-arg'),
  ]);
  prepareSessionThread(); // loads while the store opens
  const bindings = parseEnvBindings(opts.env ?? [], readEnv().SLUICE_PULL_ENV);
  const name = names[0];
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  onStdoutClosed = onSignal;
  try {
    await withStore(async (store) => {
      const dataset = await resolveDatasetArg(store.workspaces, name);
      const r = await followPull({
        store: store.ingest,
        dataset,
        environment: (await operatorEnvironment(process.env, bindings, store.workspaces))(dataset, true),
        options: pullOptionsOf(opts),
        // Not given: undefined, which leaves the default (resolveFollowOptions).
        follow: { commitIntervalMs: opts.commitInterval, batchSize: opts.batchSize },
        openSession: openThreadedMqttSession,
        signal: stop.signal,
        onCommit: (c) => console.log(`${c.committedAt.toISOString()} ${name}: committed ${c.rows} ${c.rows === 1 ? 'row' : 'rows'} (${c.totals.rowsCommitted} rows, ${c.totals.slices} commits, ${c.totals.quarantined} quarantined, ${c.totals.duplicates} duplicates so far)`),
        onConnected: ({ sessionPresent }) => console.error(`${name}: following (${sessionPresent ? 'session resumed' : 'new session'}); Ctrl+C commits what is held and stops`),
        onReconnect: ({ error, delayMs }) => console.error(`${name}: ${error.message}; connecting again in ${(delayMs / 1000).toFixed(2)} s`),
        onCompact: (c) => console.error(`${name}: merged ${c.replaced} small slices into ${c.merged}`),
        onCompactionStopped: (error) => console.error(`${name}: warning: ${error.message}; this run commits on without merging slices`),
      });
      console.log(`${name}: stopped (${r.messagesReceived} messages, ${r.rowsCommitted} rows, ${r.quarantined} quarantined, ${r.duplicates} duplicates)`);
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

program
  .command('log')
  .description("show a dataset's metadata chain")
  .argument('<dataset>')
  .option('--yaml', 'print every block as a MetadataBlock manifest')
  .action((name: string, opts: { yaml?: boolean }) =>
    withStore(async (store) => {
      const [{ default: YAML }, { describeBlockEvent }, { getDatasetOrThrow }, { resolveDatasetArg }] = await Promise.all([
        import('yaml'),
        import('../lib/chain/describe-block'),
        import('../lib/datasets/dataset-layout'),
        import('./dataset-arg'),
      ]);
      const ds = await getDatasetOrThrow(store.datasets, await resolveDatasetArg(store.workspaces, name));
      const blocks = await store.datasets.blocks(ds.id);
      if (opts.yaml) {
        for (const b of blocks) {
          const content = { systemTime: b.systemTime.toISOString(), ...(b.prevHash ? { prevBlockHash: b.prevHash } : {}), sequenceNumber: b.sequenceNumber, event: b.event };
          process.stdout.write(`---\n# ${b.hash}\n${YAML.stringify({ kind: 'MetadataBlock', version: 3, content })}`);
        }
        return;
      }
      printTable(['SEQ', 'HASH', 'TIME', 'EVENT', 'DETAILS'], blocks.map((b) => [String(b.sequenceNumber), b.hash, b.systemTime.toISOString(), b.event.kind, describeBlockEvent(b.event)]));
    }),
  );

program
  .command('tail')
  .description('show the last rows of a dataset')
  .argument('<dataset>')
  .option('-n, --rows <n>', 'number of rows', count, 20)
  .option('--ndjson', 'print rows as NDJSON instead of a table')
  .action((name: string, opts: { rows: number; ndjson?: boolean }) =>
    withStore(async (store) => {
      const [{ OP_LABELS }, { getDatasetOrThrow, committedLayout }, { storedToSliceRow, encodeSliceLine }, { resolveDatasetArg }] = await Promise.all([
        import('../lib/data/row'),
        import('../lib/datasets/dataset-layout'),
        import('../lib/ingest/slice-encoding'),
        import('./dataset-arg'),
      ]);
      const ds = await getDatasetOrThrow(store.datasets, await resolveDatasetArg(store.workspaces, name));
      const layout = committedLayout(ds);
      if (!layout) return;
      const rows = (await store.datasets.tail(ds.num, opts.rows)).map((r) => storedToSliceRow(r, layout));
      if (opts.ndjson) {
        for (const r of rows) process.stdout.write(encodeSliceLine(r, layout));
        return;
      }
      const v = layout.vocab;
      printTable(
        [v.offsetColumn, v.operationTypeColumn, v.systemTimeColumn, v.eventTimeColumn, ...layout.dataFields.map((f) => f.name)],
        rows.map((r) => {
          const line = JSON.parse(encodeSliceLine(r, layout)) as Record<string, unknown>;
          return Object.entries(line).map(([k, val]) => (k === v.operationTypeColumn ? OP_LABELS[val as OpCode] : val === null ? '∅' : typeof val === 'object' ? JSON.stringify(val) : String(val)));
        }),
      );
    }),
  );

program
  .command('export')
  .description('export committed rows (system columns first, timestamps RFC 3339 UTC, op as its code)')
  .argument('<dataset>')
  .addOption(new Option('--format <format>', 'output format').choices(['ndjson', 'csv', 'parquet']).default('ndjson'))
  .option('-o, --output <file>', 'write to a file instead of standard output')
  .action((name: string, opts: { format: ExportFormat; output?: string }) =>
    withStore(async (store) => {
      const [{ exportDataset }, { resolveDatasetArg }] = await Promise.all([import('../lib/datasets/export-dataset'), import('./dataset-arg')]);
      if (opts.format === 'parquet' && !opts.output) {
        if (process.stdout.isTTY) throw new SluiceError('INVALID_INPUT', 'parquet is binary: give -o FILE or redirect standard output');
        const tmp = `${fs.mkdtempSync('/tmp/sluice-')}/out.parquet`;
        await exportDataset(store, await resolveDatasetArg(store.workspaces, name), 'parquet', tmp);
        process.stdout.write(fs.readFileSync(tmp));
        return;
      }
      const n = await exportDataset(store, await resolveDatasetArg(store.workspaces, name), opts.format, opts.output ?? process.stdout);
      if (opts.output) console.error(`wrote ${n} rows to ${opts.output}`);
    }),
  );

program
  .command('verify')
  .description('re-hash every block and slice of a dataset; exit 1 on any mismatch')
  .argument('<dataset>')
  .action((name: string) =>
    withStore(async (store) => {
      const [{ verifyDataset }, { resolveDatasetArg }, { formatDeliveryGuarantee }] = await Promise.all([
        import('../lib/datasets/verify-dataset'),
        import('./dataset-arg'),
        import('../lib/ingest/delivery-guarantee'),
      ]);
      const r = await verifyDataset(store, await resolveDatasetArg(store.workspaces, name));
      if (r.problems.length) {
        for (const p of r.problems) console.error(`✗ ${p}`);
        throw new SluiceError('VERIFY_FAILED', `${name}: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} found`);
      }
      console.log(`${name}: ok (${r.blocks} blocks, ${r.slices} slices, ${r.rows} rows)`);
      if (r.guarantee) console.log(`delivery: ${formatDeliveryGuarantee(r.guarantee)}: ${r.guarantee.reason}`);
    }),
  );

program
  .command('quarantine')
  .description('list the payloads a dataset could not read, with the reason')
  .argument('<dataset>')
  .option('--discard <ids...>', 'discard quarantined messages by id')
  .option('--discard-all', 'discard every quarantined message')
  .option('--json', 'print as JSON lines (payload as base64)')
  .action((name: string, opts: { discard?: string[]; discardAll?: boolean; json?: boolean }) =>
    withStore(async (store) => {
      const [{ getDatasetOrThrow }, { resolveDatasetArg }, payloadView] = await Promise.all([import('../lib/datasets/dataset-layout'), import('./dataset-arg'), import('../lib/data/payload-view')]);
      const ds = await getDatasetOrThrow(store.datasets, await resolveDatasetArg(store.workspaces, name));
      if (opts.discard || opts.discardAll) {
        const ids = opts.discardAll ? 'all' : opts.discard!.map((s) => BigInt(s));
        const n = await store.datasets.discardQuarantine(ds.id, ids);
        console.log(`discarded ${n} message${n === 1 ? '' : 's'}`);
        return;
      }
      const rows = await store.datasets.quarantine(ds.id);
      if (opts.json) {
        for (const q of rows) {
          console.log(JSON.stringify({ id: q.id.toString(), pullId: q.pullId, topic: q.topic, qos: q.qos, retained: q.retained, receivedAt: q.receivedAt.toISOString(), reason: q.reason, payload: Buffer.from(q.payload).toString('base64') }));
        }
        return;
      }
      printTable(['ID', 'RECEIVED', 'TOPIC', 'REASON', 'PAYLOAD'], rows.map((q) => [q.id.toString(), q.receivedAt.toISOString(), q.topic, q.reason, previewPayload(payloadView, q.payload)]));
    }),
  );

program
  .command('manifest')
  .description("print a dataset's manifest in canonical Kamu YAML")
  .argument('<dataset>')
  .action((name: string) =>
    withStore(async (store) => {
      const [{ serializeManifest }, { getDatasetOrThrow }, { resolveDatasetArg }] = await Promise.all([import('../lib/odf'), import('../lib/datasets/dataset-layout'), import('./dataset-arg')]);
      const ds = await getDatasetOrThrow(store.datasets, await resolveDatasetArg(store.workspaces, name));
      process.stdout.write(serializeManifest(ds.snapshot));
    }),
  );

function previewPayload({ printableText, toHex }: typeof import('../lib/data/payload-view'), payload: Uint8Array): string {
  const text = printableText(payload);
  const shown = text !== undefined ? text.replace(/\s+/g, ' ') : `hex:${toHex(payload, 32).replaceAll(' ', '')}`;
  return shown.length > 60 ? `${shown.slice(0, 59)}…` : shown;
}

/** An error already printed per dataset; only its exit code remains to be set. */
class ReportedError extends Error {
  constructor(readonly inner: Error) {
    super(inner.message);
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof ReportedError) return isManifestError(err.inner) ? EXIT.dataErr : exitCodeFor(isSluiceError(err.inner) ? err.inner.code : undefined);
    if (isManifestError(err)) {
      console.error(`sluice: ${err.message}`);
      return EXIT.dataErr;
    }
    if (isSluiceError(err)) {
      console.error(`sluice: ${err.message}`);
      return exitCodeFor(err.code);
    }
    const database = databaseFailure(err);
    if (database) {
      console.error(`sluice: ${database.message}`);
      return database.exitCode;
    }
    console.error(`sluice: ${(err as Error).stack ?? err}`);
    return EXIT.failure;
  }
}

// Register long-running commands (broker, start) from their own modules.
await import('./long-running').then((m) => m.register(program));
const code = await main(process.argv);
process.exitCode = code;
// A command that failed may leave handles open (a console that could not take its port had already
// opened its store and started its scheduler, and ran on without serving): a failure ends the
// process. Output is not lost: on Linux, writes to pipes and files are synchronous.
if (code !== EXIT.ok) process.exit(code);

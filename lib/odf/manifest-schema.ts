/**
 * Zod schemas for the `DatasetSnapshot` manifest, in Kamu's own words: field names and field order follow
 * kamu-cli `src/odf/metadata/src/serde/yaml/derivations_generated.rs`. The field order of each shape is also
 * the key order `serializeManifest` writes. The order of the kinds only matters for messages.
 *
 * Parsed values are canonical (PascalCase kinds and enum values, short forms expanded) and keep absent
 * optional fields absent: defaults live in `read-defaults.ts` / `mqtt-source.ts`, not in the parsed value,
 * so an exported manifest says exactly what its author wrote.
 */
import { z } from 'zod';
import { dataSchemaSchema, dataTypeSchema, timeUnitSchema } from './data-type-schema';
import { readStepSchema } from './read-step-schema';
import { aliasedEnum, nonEmptyString, odfObject, quoteValue, taggedUnion } from './zod-helpers';
import { TemplateInvalidPatternError } from './errors';
import { templateVariables } from './template';

export { dataSchemaSchema, dataTypeSchema, timeUnitSchema };
export * from './read-step-schema';

export const MANIFEST_KIND = 'DatasetSnapshot';
export const MANIFEST_VERSION = 1;

// ---------------------------------------------------------------------------------------------------------
// Names

const HOSTNAME = '[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?:\\.[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)*';
/** ODF `DatasetName`: hostname-like (kamu `Grammar::match_hostname`); never contains `/`. */
export const DATASET_NAME_PATTERN = new RegExp(`^${HOSTNAME}$`);
/** ODF `DatasetAlias`: `name` or `account/name`, each part hostname-like. */
export const DATASET_ALIAS_PATTERN = new RegExp(`^(?:${HOSTNAME}/)?${HOSTNAME}$`);

/** The parts of a valid `DatasetAlias`: the account it names, if any, and the dataset name. */
export function splitDatasetAlias(alias: string): { account?: string; name: string } {
  const slash = alias.indexOf('/');
  return slash < 0 ? { name: alias } : { account: alias.slice(0, slash), name: alias.slice(slash + 1) };
}

export const datasetAliasSchema = z.string().regex(DATASET_ALIAS_PATTERN, {
  error: (issue) =>
    `invalid dataset name ${quoteValue(issue.input)}; expected "name" or "account/name", ` +
    'each made of letters, digits and "-" (not at either end), with "." between segments',
});

/** A `${{ }}` template whose alternatives are not env.NAME, numbers or quoted strings is an issue at its field. */
function checkTemplates(text: string, ctx: z.RefinementCtx): void {
  try {
    templateVariables(text);
  } catch (err) {
    if (!(err instanceof TemplateInvalidPatternError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
  }
}

const columnList = (what: string) => z.array(nonEmptyString).min(1, { error: `${what} needs at least one column` });

// ---------------------------------------------------------------------------------------------------------
// Enums and small unions

export const mqttQosSchema = aliasedEnum(['AtMostOnce', 'AtLeastOnce', 'ExactlyOnce']);
export const compressionFormatSchema = aliasedEnum(['Gzip', 'Zip']);
export const sourceOrderingSchema = aliasedEnum(['ByEventTime', 'ByName']);
export const datasetKindSchema = aliasedEnum(['Root', 'Derivative']);

export const eventTimeSourceSchema = taggedUnion(
  'eventTime',
  {
    FromMetadata: {},
    FromPath: { pattern: nonEmptyString, timestampFormat: z.string().optional() },
    FromSystemTime: {},
  },
  { shortForm: true },
);

export const sourceCachingSchema = taggedUnion('cache', { Forever: {} }, { shortForm: true });

// ---------------------------------------------------------------------------------------------------------
// FetchStep

const PORT_RANGE = 'expected a TCP port between 1 and 65535';
const requestHeaderSchema = odfObject('header', { name: nonEmptyString, value: z.string() });
const envVarSchema = odfObject('env var', { name: nonEmptyString, value: z.string().optional() });

/**
 * MQTT topic filter rules (MQTT 3.1.1 §4.7): `+` and `#` fill a whole level and `#` only the last one.
 * Checked here so a typo fails when the manifest is added, not at the first pull.
 */
function isMqttTopicFilter(filter: string): boolean {
  const levels = filter.split('/');
  return levels.every(
    (level, i) =>
      (level === '#' && i === levels.length - 1) || level === '+' || (!level.includes('#') && !level.includes('+')),
  );
}

const mqttTopicSubscriptionSchema = odfObject('topic subscription', {
  path: nonEmptyString.refine(isMqttTopicFilter, {
    error: (issue) =>
      `invalid MQTT topic filter ${quoteValue(issue.input)}; "+" and "#" must fill a whole level and "#" must be last`,
  }),
  qos: mqttQosSchema.optional(),
});

export const fetchStepSchema = taggedUnion('fetch', {
  Url: {
    url: nonEmptyString,
    eventTime: eventTimeSourceSchema.optional(),
    cache: sourceCachingSchema.optional(),
    headers: z.array(requestHeaderSchema).optional(),
  },
  FilesGlob: {
    path: nonEmptyString,
    eventTime: eventTimeSourceSchema.optional(),
    cache: sourceCachingSchema.optional(),
    order: sourceOrderingSchema.optional(),
  },
  Container: {
    image: nonEmptyString,
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: z.array(envVarSchema).optional(),
  },
  Mqtt: {
    host: nonEmptyString,
    port: z.number().int().min(1, { error: PORT_RANGE }).max(65535, { error: PORT_RANGE }),
    username: z.string().optional(),
    // Resolved at pull time; a template that could never resolve is refused now, where it is written.
    password: z.string().superRefine(checkTemplates).optional(),
    topics: z.array(mqttTopicSubscriptionSchema).min(1, { error: 'subscribe to at least one topic' }),
  },
  EthereumLogs: {
    chainId: z.number().int().nonnegative().optional(),
    nodeUrl: z.string().optional(),
    filter: z.string().optional(),
    signature: z.string().optional(),
  },
});

// ---------------------------------------------------------------------------------------------------------
// PrepStep

export const prepStepSchema = taggedUnion('prepare', {
  Decompress: { format: compressionFormatSchema, subPath: z.string().optional() },
  Pipe: { command: z.array(z.string()).min(1, { error: 'the command must not be empty' }) },
});

// ---------------------------------------------------------------------------------------------------------
// MergeStrategy

export const mergeStrategySchema = taggedUnion('merge', {
  Append: {},
  Ledger: { primaryKey: columnList('primaryKey') },
  Snapshot: { primaryKey: columnList('primaryKey'), compareColumns: z.array(nonEmptyString).optional() },
  ChangelogStream: { primaryKey: columnList('primaryKey') },
  UpsertStream: { primaryKey: columnList('primaryKey') },
});

// ---------------------------------------------------------------------------------------------------------
// Transform

const sqlQueryStepSchema = odfObject('query step', { alias: z.string().optional(), query: nonEmptyString });
const temporalTableSchema = odfObject('temporal table', { name: nonEmptyString, primaryKey: columnList('primaryKey') });

/** `query` or `queries`, never both; in `queries` exactly one step has no alias: it is the output. */
function checkSqlQueries(
  sql: { query?: string; queries?: Array<{ alias?: string }> },
  ctx: z.core.$RefinementCtx<unknown>,
) {
  if ((sql.query === undefined) === (sql.queries === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['query'], message: 'set exactly one of query or queries' });
    return;
  }
  const outputs = sql.queries?.filter((step) => step.alias === undefined).length;
  if (outputs !== undefined && outputs !== 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['queries'],
      message: `exactly one step must have no alias (the output), found ${outputs}`,
    });
  }
}

/** The same Transform type sits under `preprocess` and `transform`; `field` only changes how messages name it. */
function transformSchema(field: string) {
  return taggedUnion(field, {
    Sql: {
      engine: nonEmptyString,
      version: z.string().optional(),
      query: z.string().optional(),
      queries: z.array(sqlQueryStepSchema).optional(),
      temporalTables: z.array(temporalTableSchema).optional(),
    },
  }).superRefine(checkSqlQueries);
}

export const preprocessSchema = transformSchema('preprocess');

// ---------------------------------------------------------------------------------------------------------
// Metadata events allowed in a manifest (Seed, AddData, ExecuteTransform are written by the system)

const transformInputSchema = odfObject('transform input', { datasetRef: nonEmptyString, alias: z.string().optional() });
const attachmentsSchema = taggedUnion('attachments', {
  Embedded: { items: z.array(odfObject('attachment', { path: nonEmptyString, content: z.string() })) },
});

export const metadataEventSchema = taggedUnion('metadata', {
  SetPollingSource: {
    fetch: fetchStepSchema,
    prepare: z.array(prepStepSchema).optional(),
    read: readStepSchema,
    preprocess: preprocessSchema.optional(),
    merge: mergeStrategySchema,
  },
  AddPushSource: {
    sourceName: nonEmptyString,
    read: readStepSchema,
    preprocess: preprocessSchema.optional(),
    merge: mergeStrategySchema,
  },
  DisablePollingSource: {},
  DisablePushSource: { sourceName: nonEmptyString },
  SetTransform: { inputs: z.array(transformInputSchema), transform: transformSchema('transform') },
  SetVocab: {
    offsetColumn: z.string().optional(),
    operationTypeColumn: z.string().optional(),
    systemTimeColumn: z.string().optional(),
    eventTimeColumn: z.string().optional(),
  },
  SetInfo: { description: z.string().optional(), keywords: z.array(z.string()).optional() },
  SetLicense: {
    shortName: nonEmptyString,
    name: nonEmptyString,
    spdxId: z.string().optional(),
    websiteUrl: nonEmptyString,
  },
  SetAttachments: { attachments: attachmentsSchema },
  // `rawArrowSchema` (base64 Arrow flatbuffer) is deprecated in ODF; kept so old manifests still load.
  SetDataSchema: { rawArrowSchema: z.string().optional(), schema: dataSchemaSchema.optional() },
});

// ---------------------------------------------------------------------------------------------------------
// DatasetSnapshot and its manifest envelope

const ROOT_ONLY = new Set(['SetPollingSource', 'AddPushSource']);
/** Chain events Kamu refuses in a snapshot: its metadata validation panics "Disabling sources is not yet fully supported". */
const NOT_IN_SNAPSHOT = new Set(['DisablePollingSource', 'DisablePushSource']);

export const datasetSnapshotSchema = odfObject('content', {
  name: datasetAliasSchema,
  kind: datasetKindSchema,
  metadata: z.array(metadataEventSchema),
}).superRefine((snapshot, ctx) => {
  snapshot.metadata.forEach((event, i) => {
    if (NOT_IN_SNAPSHOT.has(event.kind)) {
      ctx.addIssue({
        code: 'custom',
        path: ['metadata', i, 'kind'],
        message: `${event.kind} is not allowed in a manifest: Kamu refuses it ("Disabling sources is not yet fully supported"); leave the source out instead`,
      });
      return;
    }
    const misplaced = snapshot.kind === 'Root' ? event.kind === 'SetTransform' : ROOT_ONLY.has(event.kind);
    if (misplaced) {
      ctx.addIssue({
        code: 'custom',
        path: ['metadata', i, 'kind'],
        message: `${event.kind} is not allowed in a ${snapshot.kind} dataset`,
      });
    }
  });
});

export const manifestSchema = odfObject('manifest', {
  // Kamu compares the envelope's kind as written (assert_eq! with "DatasetSnapshot"): no other case.
  kind: z.literal(MANIFEST_KIND, {
    error: (issue) =>
      issue.input === undefined ? undefined : `the manifest kind must be exactly "${MANIFEST_KIND}" (Kamu accepts no other spelling), got ${quoteValue(issue.input)}`,
  }),
  version: z.literal(MANIFEST_VERSION, {
    error: (issue) =>
      issue.input === undefined
        ? undefined
        : `unsupported manifest version ${quoteValue(issue.input)}; expected ${MANIFEST_VERSION}`,
  }),
  content: datasetSnapshotSchema,
});

// ---------------------------------------------------------------------------------------------------------
// Types (named as in ODF)

export type Manifest = z.output<typeof manifestSchema>;
export type DatasetSnapshot = z.output<typeof datasetSnapshotSchema>;
export type DatasetKind = z.output<typeof datasetKindSchema>;
export type MetadataEvent = z.output<typeof metadataEventSchema>;
export type MetadataEventKind = MetadataEvent['kind'];
export type SetPollingSource = Extract<MetadataEvent, { kind: 'SetPollingSource' }>;
export type AddPushSource = Extract<MetadataEvent, { kind: 'AddPushSource' }>;
export type DisablePollingSource = Extract<MetadataEvent, { kind: 'DisablePollingSource' }>;
export type DisablePushSource = Extract<MetadataEvent, { kind: 'DisablePushSource' }>;
export type SetTransform = Extract<MetadataEvent, { kind: 'SetTransform' }>;
export type SetVocab = Extract<MetadataEvent, { kind: 'SetVocab' }>;
export type SetInfo = Extract<MetadataEvent, { kind: 'SetInfo' }>;
export type SetLicense = Extract<MetadataEvent, { kind: 'SetLicense' }>;
export type SetAttachments = Extract<MetadataEvent, { kind: 'SetAttachments' }>;
export type SetDataSchema = Extract<MetadataEvent, { kind: 'SetDataSchema' }>;

export type FetchStep = z.output<typeof fetchStepSchema>;
export type FetchStepUrl = Extract<FetchStep, { kind: 'Url' }>;
export type FetchStepFilesGlob = Extract<FetchStep, { kind: 'FilesGlob' }>;
export type FetchStepContainer = Extract<FetchStep, { kind: 'Container' }>;
export type FetchStepMqtt = Extract<FetchStep, { kind: 'Mqtt' }>;
export type FetchStepEthereumLogs = Extract<FetchStep, { kind: 'EthereumLogs' }>;
export type MqttTopicSubscription = FetchStepMqtt['topics'][number];
export type MqttQos = z.output<typeof mqttQosSchema>;
export type EventTimeSource = z.output<typeof eventTimeSourceSchema>;
export type SourceCaching = z.output<typeof sourceCachingSchema>;
export type SourceOrdering = z.output<typeof sourceOrderingSchema>;

export type PrepStep = z.output<typeof prepStepSchema>;
export type CompressionFormat = z.output<typeof compressionFormatSchema>;

export type MergeStrategy = z.output<typeof mergeStrategySchema>;
export type MergeStrategyAppend = Extract<MergeStrategy, { kind: 'Append' }>;
export type MergeStrategyLedger = Extract<MergeStrategy, { kind: 'Ledger' }>;
export type MergeStrategySnapshot = Extract<MergeStrategy, { kind: 'Snapshot' }>;
export type MergeStrategyChangelogStream = Extract<MergeStrategy, { kind: 'ChangelogStream' }>;
export type MergeStrategyUpsertStream = Extract<MergeStrategy, { kind: 'UpsertStream' }>;

export type Transform = z.output<typeof preprocessSchema>;
export type TransformSql = Extract<Transform, { kind: 'Sql' }>;

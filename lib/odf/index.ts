/** Public API of the manifest model (ODF `DatasetSnapshot`): schemas, types, parse/serialize, helpers. */
export type { DataField, DataSchema, DataType, FloatKind, IntKind, TimeUnit } from './data-type';
export { DEFAULT_VOCAB, type DatasetVocab } from './vocab';
export {
  DdlSchemaError,
  isManifestError,
  ManifestError,
  TemplateInvalidPatternError,
  TemplateValueNotFoundError,
  type ManifestIssue,
} from './errors';
export * from './manifest-schema';
export { ddlToDataSchema, effectiveReadSchema } from './ddl';
export { parseManifest } from './parse-manifest';
export { serializeManifest } from './serialize-manifest';
export { resolveTemplate, templateVariables, type TemplateLookup } from './template';
export {
  CSV_DEFAULTS,
  csvOptions,
  jsonOptions,
  ndJsonOptions,
  type CsvOptions,
  type JsonOptions,
  type NdJsonOptions,
} from './read-defaults';
export { brokerUrlOf, effectiveVocab, findActivePollingSource, findActivePushSource, isPushDataset, pushSourceRefusal, qosNumber } from './mqtt-source';
export { datasetSource, describeDatasetKind, notPullableReason, type DatasetSource } from './dataset-source';

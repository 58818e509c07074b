/**
 * ReadStep schemas (field order as in kamu's derivations). Every kind has `schema?` (ODF DataSchema) and the
 * deprecated `ddlSchema?` (DDL column list). Reader defaults (`separator: ","`...) are not filled in here:
 * see `read-defaults.ts`.
 */
import { z } from 'zod';
import type { DataSchema } from './data-type';
import { dataSchemaSchema } from './data-type-schema';
import { ddlToDataSchema } from './ddl';
import { DdlSchemaError } from './errors';
import { taggedUnion } from './zod-helpers';

const ddlListSchema = z.array(z.string());

/**
 * `schema` is the ODF schema object; `ddlSchema` the deprecated DDL column list. Sluice extension: the
 * pre-0.263 DDL list under `schema` is accepted too and moved to `ddlSchema` (the form Kamu accepts today).
 */
const readSchemaFields = {
  schema: z
    .union([dataSchemaSchema, ddlListSchema], {
      error: 'expected an ODF schema (a mapping with "fields") or a list of DDL column definitions',
    })
    .optional(),
  ddlSchema: ddlListSchema.optional(),
};

const readStepShapes = {
  Csv: {
    ddlSchema: readSchemaFields.ddlSchema,
    separator: z.string().optional(),
    encoding: z.string().optional(),
    quote: z.string().optional(),
    escape: z.string().optional(),
    header: z.boolean().optional(),
    inferSchema: z.boolean().optional(),
    nullValue: z.string().optional(),
    dateFormat: z.string().optional(),
    timestampFormat: z.string().optional(),
    schema: readSchemaFields.schema,
  },
  Json: {
    subPath: z.string().optional(),
    ddlSchema: readSchemaFields.ddlSchema,
    dateFormat: z.string().optional(),
    encoding: z.string().optional(),
    timestampFormat: z.string().optional(),
    schema: readSchemaFields.schema,
  },
  NdJson: {
    ddlSchema: readSchemaFields.ddlSchema,
    dateFormat: z.string().optional(),
    encoding: z.string().optional(),
    timestampFormat: z.string().optional(),
    schema: readSchemaFields.schema,
  },
  GeoJson: readSchemaFields,
  NdGeoJson: readSchemaFields,
  EsriShapefile: {
    ddlSchema: readSchemaFields.ddlSchema,
    subPath: z.string().optional(),
    schema: readSchemaFields.schema,
  },
  Parquet: readSchemaFields,
};
const readStepVariants = taggedUnion('read', readStepShapes);

type ReadStepWithLegacySchema = z.output<typeof readStepVariants>;
type WithOdfSchema<T> = T extends unknown ? Omit<T, 'schema'> & { schema?: DataSchema } : never;

/** Rejects a DDL list Sluice could not convert, at the offending entry, instead of at the first pull. */
function checkReadSchemas(read: ReadStepWithLegacySchema, ctx: z.core.$RefinementCtx<ReadStepWithLegacySchema>) {
  if (read.schema !== undefined && read.ddlSchema !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['ddlSchema'], message: 'set either schema or ddlSchema, not both' });
    return;
  }
  const [field, ddl] = Array.isArray(read.schema) ? ['schema', read.schema] : ['ddlSchema', read.ddlSchema];
  if (!ddl) return;
  try {
    ddlToDataSchema(ddl);
  } catch (error) {
    if (!(error instanceof DdlSchemaError)) throw error;
    ctx.addIssue({ code: 'custom', path: [field, error.index], message: error.reason });
  }
}

/** Moves a legacy DDL list from `schema` to `ddlSchema`, keeping keys in Kamu's field order. */
function moveLegacyDdl<T extends ReadStepWithLegacySchema>(read: T): WithOdfSchema<T> {
  if (!Array.isArray(read.schema)) return read as WithOdfSchema<T>;
  const moved: Record<string, unknown> = { ...read, schema: undefined, ddlSchema: read.schema };
  const ordered = ['kind', ...Object.keys(readStepShapes[read.kind])].flatMap((key) =>
    moved[key] === undefined ? [] : [[key, moved[key]]],
  );
  return Object.fromEntries(ordered) as WithOdfSchema<T>;
}

export const readStepSchema = readStepVariants.superRefine(checkReadSchemas).transform(moveLegacyDdl);

export type ReadStep = z.output<typeof readStepSchema>;
export type ReadStepCsv = Extract<ReadStep, { kind: 'Csv' }>;
export type ReadStepJson = Extract<ReadStep, { kind: 'Json' }>;
export type ReadStepNdJson = Extract<ReadStep, { kind: 'NdJson' }>;
export type ReadStepGeoJson = Extract<ReadStep, { kind: 'GeoJson' }>;
export type ReadStepNdGeoJson = Extract<ReadStep, { kind: 'NdGeoJson' }>;
export type ReadStepEsriShapefile = Extract<ReadStep, { kind: 'EsriShapefile' }>;
export type ReadStepParquet = Extract<ReadStep, { kind: 'Parquet' }>;

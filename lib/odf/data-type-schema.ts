/**
 * Zod schemas for the ODF DataSchema types of `data-type.ts` (DataType, DataField, DataSchema), typed
 * against those interfaces so the two cannot drift apart.
 */
import { z } from 'zod';
import { RESERVED_FIELD_NAME, type DataField, type DataSchema, type DataType } from './data-type';
import { aliasedEnum, nonEmptyString, odfObject, taggedUnion } from './zod-helpers';

export const timeUnitSchema = aliasedEnum(['Second', 'Millisecond', 'Microsecond', 'Nanosecond']);

/** `extra`: namespaced attributes (`kamu.dev/...`) kept as-is. */
const extraAttributesSchema = z.record(z.string(), z.unknown());

const nonNegativeInt = z.number().int().nonnegative();

// `type: String` is the short form of `type: {kind: String}` (kamu 0.263+).
export const dataTypeSchema: z.ZodType<DataType> = z.lazy(() =>
  taggedUnion(
    'type',
    {
      Binary: { fixedLength: nonNegativeInt.optional() },
      Bool: {},
      Date: {},
      Decimal: { precision: z.number().int().positive(), scale: z.number().int() },
      Duration: { unit: timeUnitSchema.optional() },
      Float16: {},
      Float32: {},
      Float64: {},
      Int8: {},
      Int16: {},
      Int32: {},
      Int64: {},
      UInt8: {},
      UInt16: {},
      UInt32: {},
      UInt64: {},
      List: { itemType: dataTypeSchema, fixedLength: nonNegativeInt.optional() },
      Map: { keyType: dataTypeSchema, valueType: dataTypeSchema, keysSorted: z.boolean().optional() },
      Null: {},
      Option: { inner: dataTypeSchema },
      Struct: { fields: z.array(dataFieldSchema) },
      Time: { unit: timeUnitSchema.optional() },
      Timestamp: { unit: timeUnitSchema.optional(), timezone: nonEmptyString.optional() },
      String: {},
    },
    { shortForm: true },
  ),
);

export const dataFieldSchema: z.ZodType<DataField> = z.lazy(() =>
  odfObject('schema field', {
    name: nonEmptyString.refine((name) => name !== RESERVED_FIELD_NAME, `"${RESERVED_FIELD_NAME}" cannot name a field in Sluice (JavaScript reserves it); rename it`),
    type: dataTypeSchema,
    extra: extraAttributesSchema.optional(),
  }),
);

export const dataSchemaSchema: z.ZodType<DataSchema> = odfObject('schema', {
  fields: z.array(dataFieldSchema),
  extra: extraAttributesSchema.optional(),
});

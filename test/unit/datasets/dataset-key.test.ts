import { describe, expect, it } from 'vitest';
import { datasetKey, isDatasetName } from '../../../lib/datasets/dataset-key';
import { isSluiceError } from '../../../lib/errors';

describe('dataset names (ODF DatasetName)', () => {
  it('accepts hostname-like names', () => {
    for (const name of ['temp', 'demo.temperature', 'com.naturalearthdata.admin0', 'a-b.c1']) expect(isDatasetName(name)).toBe(true);
  });

  it('refuses anything that could name another workspace or escape a path', () => {
    for (const name of ['other/secret', '/x', 'x/', 'a/b/c', '..', '.x', 'x.', '-x', 'x y', '', 'x%2Fy', 'x\\y', 'é', 'x'.repeat(256)]) {
      expect(isDatasetName(name), name).toBe(false);
    }
  });

  it('a key for a name that breaks the rule is DATASET_NOT_FOUND, never a lookup elsewhere', () => {
    expect(() => datasetKey('default', 'other/secretdata')).toThrow(expect.objectContaining({ code: 'DATASET_NOT_FOUND' }));
    expect(datasetKey('w1', 'temp')).toEqual({ workspaceId: 'w1', name: 'temp' });
    try {
      datasetKey('default', 'other/secretdata');
    } catch (err) {
      expect(isSluiceError(err, 'DATASET_NOT_FOUND')).toBe(true);
    }
  });
});

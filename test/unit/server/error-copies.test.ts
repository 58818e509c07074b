import { describe, expect, it } from 'vitest';
import { toActionError } from '../../../lib/server/action-result';
import { isSluiceError } from '../../../lib/errors';
import { isManifestError } from '../../../lib/odf/errors';

/**
 * The console's Next bundle and the server's own lib/ (whose store it shares through globalThis)
 * each load lib/errors.ts: a second module instance (a query suffix makes one here) stands for the
 * store's copy.
 */
const secondInstance = <T>(path: string) => import(/* @vite-ignore */ `${path}?store-copy`) as Promise<T>;
const otherCopy = () => secondInstance<typeof import('../../../lib/errors')>('../../../lib/errors.ts');
const otherOdfCopy = () => secondInstance<typeof import('../../../lib/odf/errors')>('../../../lib/odf/errors.ts');

describe('typed errors keep their type across copies of lib/', () => {
  it("a SluiceError made by another copy of lib/errors is still a SluiceError with its code", async () => {
    const copy = await otherCopy();
    const err = new copy.SluiceError('SAVED_QUERY_EXISTS', 'a saved query named "Daily" exists');
    expect(err).not.toBeInstanceOf((await import('../../../lib/errors')).SluiceError); // really another class
    expect(isSluiceError(err, 'SAVED_QUERY_EXISTS')).toBe(true);
    expect(toActionError(err)).toEqual({ ok: false, code: 'SAVED_QUERY_EXISTS', message: 'a saved query named "Daily" exists' });
    expect(isSluiceError(Object.assign(new Error('x'), { code: 'FORBIDDEN' }))).toBe(false);
  });

  it('so is a ManifestError, with its issues', async () => {
    const err = new (await otherOdfCopy()).ManifestError([{ path: ['name'], line: 2, column: 7, message: 'bad name' }]);
    expect(isManifestError(err)).toBe(true);
    expect(toActionError(err)).toMatchObject({ code: 'MANIFEST_INVALID', issues: [{ line: 2, column: 7 }] });
  });
});

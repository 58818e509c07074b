import { describe, expect, it } from 'vitest';
import { databaseFailure, EXIT } from '../../../cli/exit-codes';

describe('databaseFailure', () => {
  it('says a Postgres restart in a line, as temporary (it printed a stack trace)', () => {
    const shutdown = Object.assign(new Error('the database system is shutting down'), { code: '57P03', severity: 'FATAL' });
    expect(databaseFailure(shutdown)).toEqual({
      message: 'the database failed: the database system is shutting down (SQLSTATE 57P03); what was committed stays committed: run the command again once it is back',
      exitCode: EXIT.tempFail,
    });
  });

  it("says any other database error in a line, and leaves errors that are not Postgres's alone", () => {
    expect(databaseFailure(Object.assign(new Error('disk full'), { code: '53100', severity: 'ERROR' }))).toEqual({ message: 'the database failed: disk full (SQLSTATE 53100)', exitCode: EXIT.failure });
    // A cancelled statement (a statement timeout) would be cancelled again: not said to be temporary.
    expect(databaseFailure(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014', severity: 'ERROR' }))?.exitCode).toBe(EXIT.failure);
    expect(databaseFailure(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(databaseFailure(new Error('a bug'))).toBeUndefined();
    expect(databaseFailure(undefined)).toBeUndefined();
  });
});

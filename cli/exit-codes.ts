import type { ErrorCode } from '../lib/errors';

/** sysexits(3) codes, so scripts can tell a bad manifest from an unreachable broker. */
export const EXIT = { ok: 0, failure: 1, usage: 64, dataErr: 65, noInput: 66, unavailable: 69, tempFail: 75, noPerm: 77, config: 78 } as const;

export function exitCodeFor(code: ErrorCode | undefined): number {
  switch (code) {
    case 'INVALID_INPUT':
      return EXIT.usage;
    case 'MANIFEST_INVALID':
    case 'SCHEMA_INVALID':
    case 'TOPIC_FILTER_INVALID':
    case 'SOURCE_NOT_PULLABLE':
    case 'TEMPLATE_UNRESOLVED':
      return EXIT.dataErr;
    case 'DATASET_NOT_FOUND':
    case 'WORKSPACE_NOT_FOUND':
      return EXIT.noInput;
    case 'BROKER_UNREACHABLE':
    case 'BROKER_REFUSED':
    case 'CONNECTION_LOST':
      return EXIT.unavailable;
    case 'PULL_ALREADY_RUNNING':
    case 'HEAD_MOVED':
      return EXIT.tempFail;
    case 'BROKER_NOT_ALLOWED':
    case 'SECRET_NOT_ALLOWED':
    case 'ENV_NOT_ALLOWED':
      return EXIT.config;
    case 'BROKER_AUTH_FAILED':
    case 'BROKER_NOT_AUTHORIZED':
    case 'TLS_FAILED':
      return EXIT.noPerm;
    default:
      return EXIT.failure;
  }
}

/**
 * A failure Postgres reported (a pg DatabaseError: its SQLSTATE `code` and `severity`), said in a
 * line instead of a stack: a restart or failover (SQLSTATE 57P01–57P03, class 08) is temporary and
 * what was committed stays committed, so the command can be run again.
 */
export function databaseFailure(err: unknown): { message: string; exitCode: number } | undefined {
  const e = err as { code?: unknown; severity?: unknown; message?: unknown };
  if (typeof e?.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code) || typeof e.severity !== 'string') return undefined;
  // A shutdown, a crash or a lost connection: not 57014, a cancelled statement (a timeout comes again).
  const temporary = /^(57P0[123]|08)/.test(e.code);
  return {
    message: `the database failed: ${String(e.message)} (SQLSTATE ${e.code})${temporary ? '; what was committed stays committed: run the command again once it is back' : ''}`,
    exitCode: temporary ? EXIT.tempFail : EXIT.failure,
  };
}

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

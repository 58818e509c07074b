/**
 * One coded error type for everything a user can act on. Adapters (CLI, server actions, routes)
 * map `code` to an exit status or response in one place; `message` is written for the user.
 */
export const ERROR_CODES = {
  /** A manifest failed to parse or validate (see ManifestError for positions). */
  MANIFEST_INVALID: 'manifest is invalid',
  /** No dataset of that name exists in the store. */
  DATASET_NOT_FOUND: 'dataset not found',
  /** `add` of a name that exists, without --replace. */
  DATASET_EXISTS: 'dataset already exists',
  /** The dataset's active polling source is not MQTT (Url, FilesGlob, …) or there is none. */
  SOURCE_NOT_PULLABLE: 'source is not pulled by Sluice',
  /** A `${{ … }}` template in the fetch step could not be resolved. */
  TEMPLATE_UNRESOLVED: 'template value not found',
  /** TCP/WebSocket connection to the broker failed or timed out. */
  BROKER_UNREACHABLE: 'broker unreachable',
  /** The operator's broker policy does not allow connecting there (SLUICE_BROKER_ALLOW, open sign-up). */
  BROKER_NOT_ALLOWED: 'broker not allowed by the operator',
  /** A stored secret is not bound to the broker the connection goes to (a maintainer binds it). */
  SECRET_NOT_ALLOWED: 'secret not allowed for this broker',
  /** `${{ env.NAME }}` asks the process environment for a name the operator did not allow (CLI). */
  ENV_NOT_ALLOWED: 'environment variable not allowed',
  /** The broker refused the credentials. */
  BROKER_AUTH_FAILED: 'broker rejected the credentials',
  /** The broker accepted the credentials but refused the client or a subscription. */
  BROKER_NOT_AUTHORIZED: 'not authorized by the broker',
  /** Any other CONNACK refusal (protocol version, client id, server unavailable). */
  BROKER_REFUSED: 'broker refused the connection',
  /** TLS handshake or certificate verification failed. */
  TLS_FAILED: 'TLS failure',
  /** A topic filter in the manifest is not a valid MQTT filter. */
  TOPIC_FILTER_INVALID: 'topic filter invalid',
  /** The connection dropped in the middle of a pull; nothing uncommitted was acknowledged. */
  CONNECTION_LOST: 'connection to the broker lost',
  /** The read schema lacks a column the dataset needs (primary key, event time type, …). */
  SCHEMA_INVALID: 'schema does not fit the dataset',
  /** Another pull of the same dataset holds its lock. */
  PULL_ALREADY_RUNNING: 'a pull of this dataset is already running',
  /** The chain head moved under a commit (a concurrent writer); the commit was rolled back. */
  HEAD_MOVED: 'dataset head moved during commit',
  /** `verify` found a slice or block whose hash does not match. */
  VERIFY_FAILED: 'verification failed',
  /** A request planned against a dataset that was since replaced or changed schema (reload and retry). */
  DATASET_CHANGED: 'dataset changed since it was listed',
  /** No committed slice lies within the requested offsets. */
  SLICE_NOT_FOUND: 'no data slice in that range',
  /** Invalid command-line or form input. */
  INVALID_INPUT: 'invalid input',
  /** No saved query with that id in the workspace (it was deleted, or belongs to another workspace). */
  SAVED_QUERY_NOT_FOUND: 'saved query not found',
  /** A save or rename to a name another saved query of the workspace has, which the caller may not replace. */
  SAVED_QUERY_EXISTS: 'a saved query of that name exists',
  /** A device credential of that name exists in the workspace. */
  DEVICE_EXISTS: 'a device of that name exists',
  /** No workspace with that slug. */
  WORKSPACE_NOT_FOUND: 'workspace not found',
  /** A stored secret does not decrypt with the configured key. */
  SECRET_UNREADABLE: 'stored secret cannot be decrypted',
  /** No signed-in account (or its session expired). */
  UNAUTHENTICATED: 'sign in first',
  /** The account's role in the workspace does not allow this. */
  FORBIDDEN: 'not allowed for your role',
  /** A device pushed to a dataset without a push source (AddPushSource). */
  NOT_A_PUSH_DATASET: 'dataset has no push source',
  /** A device's message is larger than the endpoint's limit. */
  PAYLOAD_TOO_LARGE: 'message too large',
  /** Too many failed authentications from this address; try again later. */
  RATE_LIMITED: 'too many attempts',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Marks a SluiceError whichever copy of this module made it: the console's Next bundle and the
 * server's own lib/ (the store it shares through globalThis) each hold a class of their own, so
 * `instanceof` missed the store's errors and users saw SAVED_QUERY_EXISTS as INTERNAL.
 */
const SLUICE_ERROR = Symbol.for('sluice.SluiceError');

export class SluiceError extends Error {
  readonly [SLUICE_ERROR] = true;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SluiceError';
  }
}

export function isSluiceError(err: unknown, code?: ErrorCode): err is SluiceError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[SLUICE_ERROR] === true && (code === undefined || (err as SluiceError).code === code);
}

/**
 * An error's message as one log line: a worker's log is read line by line, and some libraries'
 * messages span several (Prisma's start with a blank line and the call that failed, then the cause).
 */
export function messageLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}

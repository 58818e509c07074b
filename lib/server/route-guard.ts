import 'server-only';
import { isSluiceError, type ErrorCode } from '../errors';

const STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  WORKSPACE_NOT_FOUND: 404,
  DATASET_NOT_FOUND: 404,
  SLICE_NOT_FOUND: 404,
  DATASET_CHANGED: 409,
  INVALID_INPUT: 400,
  NOT_A_PUSH_DATASET: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
};

/** How a route handler answers the guard's refusals (and other coded errors): JSON with a status. */
export async function guardRoute(handle: () => Promise<Response>): Promise<Response> {
  try {
    return await handle();
  } catch (err) {
    if (isSluiceError(err)) return Response.json({ code: err.code, message: err.message }, { status: STATUS[err.code] ?? 422 });
    console.error(err);
    return Response.json({ code: 'INTERNAL', message: 'server error (logged)' }, { status: 500 });
  }
}

import type { IncomingMessage } from 'node:http';
import type { Auth } from '../auth/create-auth';
import { requireMemberAccess } from '../auth/member-access';
import { can } from '../auth/roles';
import { datasetKey } from '../datasets/dataset-key';
import { isSluiceError, SluiceError } from '../errors';
import { secretsForConnection } from '../secrets/secret-release';
import { brokerUrlOf } from '../odf/mqtt-source';
import { findActivePollingSource, resolveTemplate } from '../odf';
import type { Store } from '../store/open-store';
import type { RelayPolicy } from './mqtt-relay';

/** The relay's path on the console's origin; `?workspace=…&dataset=…` names the dataset. */
export const RELAY_PATH = '/api/mqtt-relay';

/**
 * Decides, from the upgrade request's session cookie, what the browser may do through the relay:
 * a member who may read the dataset gets its broker, with the credentials resolved from stored
 * secrets only; publishing needs the publish permission.
 */
export async function relayPolicyFor(req: IncomingMessage, deps: { store: Store; auth: Auth }): Promise<RelayPolicy> {
  const url = new URL(req.url ?? '/', 'http://relay');
  const workspace = url.searchParams.get('workspace') ?? '';
  const name = url.searchParams.get('dataset') ?? '';
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  const session = await deps.auth.api.getSession({ headers });
  if (!session) throw new SluiceError('UNAUTHENTICATED', 'sign in to preview');
  const member = await requireMemberAccess(deps.store.workspaces, session.user.id, workspace, { dataset: 'read' });
  const d = await deps.store.datasets.find(datasetKey(member.workspace.id, name));
  if (!d) throw new SluiceError('DATASET_NOT_FOUND', `no dataset "${name}"`);
  const fetch = findActivePollingSource(d.snapshot.metadata)?.fetch;
  if (fetch?.kind !== 'Mqtt') throw new SluiceError('SOURCE_NOT_PULLABLE', `dataset "${name}" has no MQTT source`);
  const brokerUrl = brokerUrlOf(fetch);
  const secrets = secretsForConnection(await deps.store.secrets.resolve(d.workspaceId, d.id), brokerUrl);
  let password: string | undefined;
  try {
    password = fetch.password === undefined ? undefined : resolveTemplate(fetch.password, secrets.lookup);
  } catch (err) {
    if (isSluiceError(err)) throw err;
    throw new SluiceError('TEMPLATE_UNRESOLVED', 'the broker password refers to a secret that is not set');
  }
  return {
    accountId: session.user.id,
    brokerUrl,
    tls: secrets.tls,
    username: fetch.username,
    password,
    topics: fetch.topics.map((t) => t.path),
    canPublish: can(member.role, { dataset: 'publish' }),
  };
}

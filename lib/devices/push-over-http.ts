import { datasetKey } from '../datasets/dataset-key';
import type { FailedAuthLimiter } from '../device-endpoint/failed-auth-limiter';
import { SluiceError } from '../errors';
import { publishTopicRefusal, topicMatches } from '../ingest/fetch/topic-filter';
import { assertReaderConfig, readMessage } from '../ingest/read/read-message';
import { pushSourceRefusal } from '../odf/mqtt-source';
import { effectiveReadSchema } from '../odf/ddl';
import { findActivePushSource } from '../odf';
import type { Store } from '../store/open-store';
import { credentialRefusal } from './device-credential';
import { authenticateDevice } from './authenticate-device';

export interface HttpPush {
  store: Pick<Store, 'devices' | 'workspaces' | 'datasets'>;
  limiter: FailedAuthLimiter;
  /** The client address (failed authentications are limited per address). */
  address: string;
  workspaceSlug: string;
  datasetName: string;
  /** The Authorization header: `Bearer <username>:<secret>`. */
  authorization: string | null;
  /** The message topic; default the dataset's name (which its default filter `<name>/#` matches). */
  topic?: string;
  body: Buffer;
  maxBytes: number;
  now?: Date;
}

/**
 * Kamu's `/ingest` for devices: one message, in the push source's read format, into a push
 * dataset's inbox with the same rules as the MQTT endpoint (a usable credential of the dataset's
 * workspace, the credential's allowed filters, the dataset's topic filter). Resolves only once the
 * inbox row committed. When the read step declares a schema the body is read first, so a body the
 * fold would quarantine is refused here with the reader's reason instead.
 */
export async function pushOverHttp(a: HttpPush): Promise<{ stored: number }> {
  const now = a.now ?? new Date();
  const token = /^Bearer\s+([^:\s]+):(\S+)$/i.exec(a.authorization ?? '');
  if (!token) throw new SluiceError('UNAUTHENTICATED', 'send a device credential as "Authorization: Bearer <username>:<secret>"');
  const auth = await authenticateDevice(a.store.devices, a.limiter, a.address, token[1], token[2]);
  if (auth.outcome === 'rate-limited') throw new SluiceError('RATE_LIMITED', 'too many failed authentications from this address; try again in a minute');
  if (auth.outcome === 'wrong') {
    if (auth.device) await a.store.devices.addCounts(new Map([[auth.device.credentialId, { messages: 0, refusals: 1, lastRefusal: `wrong secret from ${a.address} (HTTP)` }]]));
    throw new SluiceError('UNAUTHENTICATED', 'unknown device username or wrong secret');
  }
  const device = auth.device;
  const refuse = async (err: SluiceError) => {
    await a.store.devices.addCounts(new Map([[device.credentialId, { messages: 0, refusals: 1, lastRefusal: `${err.message} (HTTP)` }]]));
    return err;
  };
  const why = credentialRefusal(device, now);
  if (why) throw await refuse(new SluiceError('UNAUTHENTICATED', `the device credential is ${why}`));
  // A credential reaches only its own workspace: another workspace's datasets do not exist for it.
  const workspace = await a.store.workspaces.bySlug(a.workspaceSlug);
  if (!workspace || workspace.id !== device.workspaceId) throw await refuse(new SluiceError('DATASET_NOT_FOUND', `no dataset "${a.datasetName.slice(0, 100)}" for this device`));
  const key = datasetKey(workspace.id, a.datasetName);
  const dataset = await a.store.datasets.find(key);
  if (!dataset) throw await refuse(new SluiceError('DATASET_NOT_FOUND', `no dataset "${key.name}" for this device`));
  const unfoldable = pushSourceRefusal(dataset.snapshot);
  if (unfoldable) throw await refuse(new SluiceError('NOT_A_PUSH_DATASET', `${unfoldable}: it receives no device messages`));
  const source = findActivePushSource(dataset.snapshot.metadata)!;
  const target = (await a.store.devices.pushTargets(workspace.id)).find((t) => t.datasetId === dataset.id);
  if (!target) throw await refuse(new SluiceError('NOT_A_PUSH_DATASET', `dataset "${key.name}" has no push source (AddPushSource) to receive device messages`));
  const topic = a.topic ?? key.name;
  const invalid = publishTopicRefusal(topic);
  if (invalid) throw await refuse(new SluiceError('INVALID_INPUT', `topic not publishable: ${invalid}`));
  if (!topicMatches(target.topicFilter, topic)) throw await refuse(new SluiceError('FORBIDDEN', `topic "${topic.slice(0, 200)}" is outside the dataset's topic filter "${target.topicFilter}"`));
  if (device.allowedFilters.length && !device.allowedFilters.some((f) => topicMatches(f, topic))) {
    throw await refuse(new SluiceError('FORBIDDEN', `topic "${topic.slice(0, 200)}" is outside the credential's allowed filters`));
  }
  if (a.body.length > a.maxBytes) throw await refuse(new SluiceError('PAYLOAD_TOO_LARGE', `the body has ${a.body.length} bytes; the limit is ${a.maxBytes}`));
  const schema = effectiveReadSchema(source.read);
  if (schema?.fields.length) {
    assertReaderConfig(source.read);
    const read = readMessage(source.read, schema, { topic, payload: a.body }, { maxPayloadBytes: a.maxBytes });
    if (!read.ok) throw await refuse(new SluiceError('INVALID_INPUT', `the body does not read as ${source.read.kind}: ${read.reason}`));
  }
  await a.store.devices.appendInbox({
    messages: [{ workspaceId: workspace.id, datasetId: dataset.id, credentialId: device.credentialId, topic, payload: a.body, qos: 1, receivedAt: now }],
    receipts: [],
    releases: [],
  });
  await a.store.devices.addCounts(new Map([[device.credentialId, { messages: 1, refusals: 0 }]]));
  return { stored: 1 };
}

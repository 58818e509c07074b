import type { Qos2Receipts } from '../mqtt/qos2-receipts';
import type { DeviceIdentity } from '../devices/device-credential';

/** One device message on its way into a push dataset's inbox. */
export interface InboxMessage {
  workspaceId: string;
  datasetId: string;
  credentialId: string;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  receivedAt: Date;
}

/** A device session's QoS 2 packet id (the receiver's half of MQTT's exactly-once exchange). */
export interface Qos2Receipt {
  credentialId: string;
  clientId: string;
  packetId: number;
}

/** A receipt taken for a stored message, with the message's digest (lib/mqtt/qos2-receipts.ts). */
export interface TakenQos2Receipt extends Qos2Receipt {
  digest: string;
}

/**
 * What one group commit writes, atomically: the inbox rows of many devices' messages, the QoS 2
 * receipts of those that came with QoS 2, and the receipts their PUBRELs release.
 */
export interface InboxBatch {
  messages: InboxMessage[];
  /** In the order taken: a later one under a session's packet id replaces an earlier one. */
  receipts: TakenQos2Receipt[];
  releases: Qos2Receipt[];
}

/** How a batch's transaction waits on the one before it (see DeviceEndpointStore.appendInbox). */
export interface InboxOrder {
  /** The previous batch's commit. */
  after: Promise<void>;
  /** Called once the batch's rows are written (also when its transaction fails first). */
  written: () => void;
}

/** A push dataset devices of its workspace may publish to, and the topic filter it receives. */
export interface PushTarget {
  datasetId: string;
  name: string;
  topicFilter: string;
}

/** A credential found by its username, with what authentication checks. */
export interface StoredDevice extends DeviceIdentity {
  secretHash: string;
  revokedAt: Date | null;
}

/** Per credential, what the endpoint counted since its last flush. */
export interface DeviceCounts {
  messages: number;
  refusals: number;
  /** The latest refusal's reason, for the Devices page. */
  lastRefusal?: string;
}

/** The store port of the device endpoint (Postgres in lib/store/device-repository.ts). */
export interface DeviceEndpointStore {
  findDevice(username: string): Promise<StoredDevice | undefined>;
  recordConnection(credentialId: string, address: string, at: Date): Promise<void>;
  addCounts(counts: Map<string, DeviceCounts>): Promise<void>;
  /** Of `ids`, those that no longer admit their devices: revoked, expired (at `now`) or deleted. */
  refusedCredentials(ids: string[], now: Date): Promise<Set<string>>;
  /** The workspace's datasets with an active push source. */
  pushTargets(workspaceId: string): Promise<PushTarget[]>;
  /**
   * Commits a batch in one transaction; resolves only once it is durable. With `order`, the
   * transaction calls `written` once its rows are written (their inbox ids taken), then commits only
   * after `after` resolved, and rolls back (rejecting) if `after` rejects: so batches can overlap
   * and still become visible in the order their ids were taken.
   */
  appendInbox(batch: InboxBatch, order?: InboxOrder): Promise<void>;
  loadQos2Receipts(credentialId: string, clientId: string): Promise<Qos2Receipts>;
  /** How many client ids of the credential, other than `exceptClientId`, hold stored QoS 2 receipts. */
  countQos2Sessions(credentialId: string, exceptClientId: string): Promise<number>;
  clearQos2Receipts(credentialId: string, clientId: string): Promise<void>;
}

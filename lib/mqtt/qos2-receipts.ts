import { createHash } from 'node:crypto';

/**
 * The receiver's half of QoS 2 (a pull from a broker, the device endpoint from a device): receipts
 * of the packet ids whose PUBLISH it stored and whose release (PUBREL) it has not, each with the
 * digest of the message it stored under the id.
 *
 * While an id holds a receipt, a PUBLISH with that id is normally the sender sending the message
 * again (it did not get our PUBREC). But a sender that lost its state and still resumes the session
 * (a broker restored from an older snapshot of its persistence, or failed over to a node without the
 * session's QoS 2 state, that answers "session present"; a device rebooted that connects without a
 * clean session) numbers its messages afresh, and sends a new message under a receipted id: taken
 * for a redelivery, it is dropped, silently. The digest tells the two apart: a redelivery is the
 * same message, topic and payload (MQTT-4.3.3). DUP cannot: aedes and mqtt.js resend without it. A
 * new message identical to the one a receipt records cannot be told from its redelivery and is dropped.
 * A receipt stored before digests were kept (null) takes any message under its id for its redelivery.
 */
export type Qos2Receipts = Map<number, string | null>;

/** The digest a receipt keeps of its message: SHA-256 of the topic's UTF-8 length (4 bytes), the topic and the payload. */
export function qos2MessageDigest(m: { topic: string; payload: Uint8Array | string }): string {
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(Buffer.byteLength(m.topic, 'utf8'));
  return createHash('sha256').update(length).update(m.topic, 'utf8').update(m.payload).digest('base64url');
}

/** Whether a PUBLISH whose id holds a receipt with `receiptDigest` is that receipt's message again. */
export function isRedelivery(receiptDigest: string | null, digest: string): boolean {
  return receiptDigest === null || receiptDigest === digest;
}

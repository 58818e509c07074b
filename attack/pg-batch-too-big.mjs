// Shows that one InboxWriter batch of max-size device messages cannot be sent by pg:
// DeviceRepository.appendInbox passes all payloads as ONE bytea[] parameter; pg serialises it as one
// hex string. 1100 messages of 256 KiB (the default maxPacketBytes) exceed V8's max string length;
// (and anything above 1 GiB exceeds Postgres' max message/datum size).
import utils from 'pg/lib/utils.js';
const payload = Buffer.alloc(256 * 1024, 0x41);
const n = Number(process.argv[2] ?? 1100);
const t = Date.now();
try {
  const s = utils.prepareValue(Array.from({ length: n }, () => payload));
  console.log(`ok: ${n} messages -> ${s.length} chars`);
} catch (err) {
  console.log(`FAILED for a batch of ${n} x 256 KiB: ${err.name}: ${err.message} (${Date.now() - t} ms)`);
}

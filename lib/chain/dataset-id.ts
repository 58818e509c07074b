import { generateKeyPairSync } from 'node:crypto';

/**
 * ODF dataset identifiers are `did:odf:` + the base16 multibase of an Ed25519 public-key multicodec
 * (`ed01` + 32 key bytes). Sluice keeps no private key: the id only needs to be unique and well-formed.
 */
export function newDatasetId(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return `did:odf:fed01${raw.toString('hex')}`;
}

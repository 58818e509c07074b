import { SecretBox } from '../secrets/secret-box';
import type { StoredSecret, StoredSecrets } from '../secrets/secret-release';
import type { PrismaClient } from './prisma';

export interface SecretInfo {
  name: string;
  scope: 'workspace' | 'dataset';
  /** Broker endpoints (`scheme://host:port`) the value may be sent to. */
  brokers: string[];
  updatedAt: Date;
  updatedBy: string | null;
}

/** Where a secret lives; bound into its ciphertext so values cannot be moved between places. */
function placeOf(workspaceId: string, datasetId: string | null, name: string): string {
  return `${workspaceId}/${datasetId ?? '*'}/${name}`;
}

/**
 * Workspace and dataset secrets. Values go in sealed and come out only through `resolve`, which
 * pulls call on the server; listing returns names and dates, never values (write-only).
 */
export class SecretRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly box: () => SecretBox,
  ) {}

  /** Sets or replaces a value, bound to `brokers` (formatted endpoints, see lib/secrets/secret-release.ts). */
  async set(a: { workspaceId: string; datasetId?: string | null; name: string; value: string; brokers: string[]; by?: string }): Promise<void> {
    const datasetId = a.datasetId ?? null;
    const { nonce, sealed } = this.box().seal(a.value, placeOf(a.workspaceId, datasetId, a.name));
    const data = { nonce: new Uint8Array(nonce), sealed: new Uint8Array(sealed), brokers: a.brokers, updatedAt: new Date(), updatedBy: a.by ?? null };
    await this.prisma.$transaction(async (tx) => {
      const where = { workspaceId: a.workspaceId, datasetId, name: a.name };
      const n = await tx.secret.updateMany({ where, data });
      if (n.count === 0) await tx.secret.create({ data: { ...where, ...data } });
    });
  }

  /** Changes which brokers an existing secret may be sent to, without its value; false if there is none. */
  async bind(a: { workspaceId: string; datasetId?: string | null; name: string; brokers: string[]; by?: string }): Promise<boolean> {
    const r = await this.prisma.secret.updateMany({ where: { workspaceId: a.workspaceId, datasetId: a.datasetId ?? null, name: a.name }, data: { brokers: a.brokers, updatedAt: new Date(), updatedBy: a.by ?? null } });
    return r.count > 0;
  }

  async delete(a: { workspaceId: string; datasetId?: string | null; name: string }): Promise<boolean> {
    const r = await this.prisma.secret.deleteMany({ where: { workspaceId: a.workspaceId, datasetId: a.datasetId ?? null, name: a.name } });
    return r.count > 0;
  }

  /** Names of the workspace's secrets and, with a dataset, its own (which override the workspace's). */
  async list(workspaceId: string, datasetId?: string): Promise<SecretInfo[]> {
    const rows = await this.prisma.secret.findMany({
      where: { workspaceId, OR: [{ datasetId: null }, ...(datasetId ? [{ datasetId }] : [])] },
      select: { name: true, datasetId: true, brokers: true, updatedAt: true, updatedBy: true },
      orderBy: { name: 'asc' },
    });
    return rows.map((r) => ({ name: r.name, scope: r.datasetId ? 'dataset' : 'workspace', brokers: r.brokers, updatedAt: r.updatedAt, updatedBy: r.updatedBy }));
  }

  /**
   * Decrypted values with their bindings, the dataset's secrets over the workspace's. Only
   * lib/secrets/secret-release.ts decides which of them a connection gets.
   */
  async resolve(workspaceId: string, datasetId: string): Promise<StoredSecrets> {
    const rows = await this.prisma.secret.findMany({ where: { workspaceId, OR: [{ datasetId: null }, { datasetId }] } });
    const out = new Map<string, StoredSecret>();
    for (const r of rows.sort((a, b) => Number(a.datasetId !== null) - Number(b.datasetId !== null))) {
      out.set(r.name, { value: this.box().open({ nonce: Buffer.from(r.nonce), sealed: Buffer.from(r.sealed) }, placeOf(workspaceId, r.datasetId, r.name)), brokers: r.brokers });
    }
    return out;
  }
}

import { z } from 'zod';
import { SluiceError } from '../errors';
import { assertValidFilter } from '../ingest/fetch/topic-filter';

/** A device credential as the console shows it (never its secret or hash). */
export interface DeviceCredentialInfo {
  id: string;
  workspaceId: string;
  name: string;
  /** The MQTT username, and the part of the HTTP bearer token before the `:`. */
  username: string;
  /** Topic filters the device may publish to; empty: any topic of the workspace's push datasets. */
  allowedFilters: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  createdBy: string | null;
  lastConnectedAt: Date | null;
  lastAddress: string | null;
  messages: number;
  refusals: number;
  lastRefusal: string | null;
}

/** What authenticating a device needs: its identity and what it may do. */
export interface DeviceIdentity {
  credentialId: string;
  workspaceId: string;
  username: string;
  allowedFilters: string[];
  expiresAt: Date | null;
}

/** Why a credential no longer admits its device (null: it does). */
export function credentialRefusal(c: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): 'revoked' | 'expired' | null {
  if (c.revokedAt) return 'revoked';
  if (c.expiresAt && c.expiresAt.getTime() <= now.getTime()) return 'expired';
  return null;
}

/** Boundary schema of a new credential (console form, CLI). */
export const ZNewDeviceCredential = z.object({
  name: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a device name is 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit'),
  allowedFilters: z
    .array(z.string().trim().min(1))
    .max(32, 'at most 32 topic filters')
    .default([])
    .superRefine((filters, ctx) => {
      for (const f of filters) {
        try {
          assertValidFilter(f);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      }
    }),
  expiresAt: z.coerce.date().nullable().default(null),
});
export type NewDeviceCredential = z.output<typeof ZNewDeviceCredential>;

/** A device name is taken in the workspace (checked before creating, and by the store's unique index). */
export function deviceExists(name: string): SluiceError {
  return new SluiceError('DEVICE_EXISTS', `a device named "${name}" exists in this workspace`);
}

/** An expiry must lie ahead: a credential born expired would only confuse. */
export function assertExpiryAhead(expiresAt: Date | null, now: Date): void {
  if (expiresAt && expiresAt.getTime() <= now.getTime()) throw new SluiceError('INVALID_INPUT', 'the expiry must be in the future');
}

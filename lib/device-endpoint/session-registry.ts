import { REASON, type DeviceSession } from './device-session';

/**
 * What an MQTT session (credential + client id) keeps across its connections in this process: the
 * QoS 2 packet ids stored (or being stored) and not yet released, each with its commit and its
 * message's digest (lib/mqtt/qos2-receipts.ts). A new connection of the session waits for those
 * commits before it looks at the stored receipts, so a redelivery racing a commit is still recognised.
 */
export interface SessionState {
  receipts: Map<number, SessionReceipt>;
  /** Whether `receipts` holds the persisted ones (loaded, or cleared by a clean start). */
  loaded: boolean;
}

export interface SessionReceipt {
  committed: Promise<void>;
  /** Null for a receipt stored before digests were kept: any message under its id is its redelivery. */
  digest: string | null;
  /** DeviceSession.serial of the connection that took it; 0 when loaded from the store. */
  connection: number;
}

/**
 * The endpoint's open device sessions: at most `perCredential` per credential, one per client id
 * (a second connection with the same client id takes the session over, MQTT §3.1.4), and every
 * session of a credential closed at once when it is revoked.
 */
export class SessionRegistry {
  private readonly byCredential = new Map<string, Map<string, DeviceSession>>();
  private readonly states = new Map<string, SessionState>();

  constructor(private readonly perCredential: number) {}

  /**
   * Registers a connection of a session; returns the session's state and how to unregister it
   * (`keep`: the session persists), or undefined when the credential is at its limit.
   */
  register(credentialId: string, clientId: string, session: DeviceSession): { state: SessionState; release: (keep: boolean) => void } | undefined {
    let sessions = this.byCredential.get(credentialId);
    const previous = sessions?.get(clientId);
    if (!previous && (sessions?.size ?? 0) >= this.perCredential) return undefined;
    if (!sessions) this.byCredential.set(credentialId, (sessions = new Map()));
    sessions.set(clientId, session);
    previous?.close(REASON.sessionTakenOver);
    const key = `${credentialId}\u0000${clientId}`;
    let state = this.states.get(key);
    if (!state) this.states.set(key, (state = { receipts: new Map(), loaded: false }));
    return {
      state,
      release: (keep) => {
        if (sessions.get(clientId) !== session) return;
        sessions.delete(clientId);
        if (sessions.size === 0) this.byCredential.delete(credentialId);
        // A session without open exchanges is reloaded from the store next time.
        if (!keep || state.receipts.size === 0) this.states.delete(key);
      },
    };
  }

  credentialIds(): string[] {
    return [...this.byCredential.keys()];
  }

  /** Closes every session of a credential (revoked, expired or deleted). */
  closeCredential(credentialId: string, reasonCode: number): void {
    for (const session of [...(this.byCredential.get(credentialId)?.values() ?? [])]) session.close(reasonCode);
  }

  closeAll(): void {
    for (const id of this.credentialIds()) this.closeCredential(id, REASON.unspecified);
  }
}

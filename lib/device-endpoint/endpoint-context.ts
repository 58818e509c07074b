import type { DeviceCounter } from './device-counter';
import type { DeviceLimits } from './device-session';
import type { FailedAuthLimiter } from './failed-auth-limiter';
import type { InboxWriter } from './inbox-writer';
import type { DeviceEndpointStore, PushTarget } from './ports';
import type { SessionRegistry } from './session-registry';
import type { UnauthenticatedConnections } from './unauthenticated-connections';

/** What every device session of one endpoint shares. */
export interface DeviceEndpointContext {
  store: DeviceEndpointStore;
  inbox: InboxWriter;
  limits: DeviceLimits;
  authLimiter: FailedAuthLimiter;
  sessions: SessionRegistry;
  unauthenticated: UnauthenticatedConnections;
  counts: DeviceCounter;
  /** The workspace's push datasets (cached for a moment: every message asks). */
  targets(workspaceId: string): Promise<PushTarget[]>;
  now(): Date;
  log(line: string): void;
}

import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import type pg from 'pg';
import { SluiceError } from '../errors';
import type { PullLease } from '../ingest/ports';

/** A lease lives this long without a renewal; renewals come at a third of it. */
export const LEASE_TTL_MS = 15_000;
/**
 * A holder stops acting this long before its lease could expire (PullLease.held): time to close its
 * broker session before another process may take the lease and open the same one.
 */
const LEASE_FENCE_MARGIN_MS = 3_000;

/**
 * Where a pid means this process's neighbours: the boot and the pid namespace. Two containers can
 * share a host name while their pids are separate: a pid alone there named another container's
 * live process "dead" and its lease was taken at once.
 */
const PROCESS_SPACE = (() => {
  try {
    return `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}/${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return 'unknown';
  }
})();

/** This process as a lease owner: host:pid, then its process space (what says whether the pid can be checked from here). */
export const LEASE_OWNER = `${os.hostname()}:${process.pid}:${PROCESS_SPACE}`;

/** The owner as a person reads it: host:pid. */
export const ownerName = (owner: string) => owner.split(':').slice(0, 2).join(':');

/**
 * The lease's owner was a process of this machine's boot and pid namespace that no longer exists
 * (killed): its lease is void at once. Any other owner (another host or container, an owner
 * recorded before the process space was) keeps the lease until it expires.
 */
export function ownerIsDeadLocalProcess(owner: string): boolean {
  const [host, pid, ...space] = owner.split(':');
  if (host !== os.hostname() || space.join(':') !== PROCESS_SPACE || PROCESS_SPACE === 'unknown') return false;
  try {
    process.kill(Number(pid), 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  // Killed and not yet reaped by its parent (a zombie, or dying): it still answers signal 0, and
  // its lease was refused until the parent reaped it, which a parent that exited first may never do.
  const state = processState(Number(pid));
  return state === 'Z' || state === 'X';
}

/** A process's state letter in /proc/<pid>/stat (R, S, D, Z, X…); the name before it may hold ")". */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2];
  } catch {
    return undefined;
  }
}

/**
 * A moment on two clocks. Time since it is the larger of the two: the monotonic clock does not
 * advance while the machine is suspended, and the wall clock can be stepped back; neither can
 * make the time since a renewal look shorter than it was.
 */
export interface Instant {
  mono: number;
  wall: number;
}

export const instant = (): Instant => ({ mono: performance.now(), wall: Date.now() });
const since = (at: Instant) => Math.max(performance.now() - at.mono, Date.now() - at.wall);

/**
 * A lease this process took: renewed every third of its TTL (and by each lease-locked commit),
 * passed from pull to pull of a run, and fenced — held() is false once no renewal has succeeded
 * for the TTL less a margin, counted from when that renewal was sent (the database set the expiry
 * to its clock plus the TTL, no earlier), until one does; and for good once a renewal found the
 * lease taken (`lost`) or it was released. Renewals, hand-overs and the release run one at a time:
 * a renewal naming the pull a hand-over just replaced matched nothing and fenced a healthy run.
 */
export class HeldLease implements PullLease {
  private readonly lostController = new AbortController();
  private confirmedAt: Instant;
  private fence: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private turn: Promise<unknown> = Promise.resolve();
  /** Released or lost: nothing renews it any more. */
  private ended = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly datasetId: string,
    private currentPullId: string,
    takenAt: Instant,
    /** Called once the lease ends here (released or lost). */
    private readonly onEnd: () => void,
  ) {
    this.confirmedAt = takenAt;
    this.armFence();
    this.heartbeat = setInterval(() => void this.confirm().catch(() => undefined), LEASE_TTL_MS / 3);
    this.heartbeat.unref();
  }

  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  get pullId(): string {
    return this.currentPullId;
  }

  held(): boolean {
    return !this.ended && since(this.confirmedAt) < LEASE_TTL_MS - LEASE_FENCE_MARGIN_MS;
  }

  /** Renews the lease now (in turn with hand-overs); throws PULL_ALREADY_RUNNING if it was taken. */
  confirm(): Promise<void> {
    return this.inTurn(async () => {
      if (this.ended) throw this.endedError();
      const sentAt = instant();
      const { rowCount } = await this.pool.query('UPDATE dataset SET lease_expires_at = now() + make_interval(secs => $3) WHERE id = $1 AND lease_pull_id = $2', [this.datasetId, this.currentPullId, LEASE_TTL_MS / 1000]);
      if (rowCount !== 1) throw this.lose();
      this.renewed(sentAt);
    });
  }

  /** One statement: between the pulls of a backlog this replaces a release, a take and startPull's transaction. */
  passTo(next: string): Promise<void> {
    return this.inTurn(async () => {
      if (this.ended) throw this.endedError();
      const sentAt = instant();
      const { rowCount } = await this.pool.query(
        `WITH lease AS (
           UPDATE dataset SET lease_pull_id = $3, lease_expires_at = now() + make_interval(secs => $4)
           WHERE id = $1 AND lease_pull_id = $2 RETURNING id)
         INSERT INTO pull (id, dataset_id, status) SELECT $3, id, 'running' FROM lease`,
        [this.datasetId, this.currentPullId, next, LEASE_TTL_MS / 1000],
      );
      if (rowCount !== 1) throw this.lose();
      this.renewed(sentAt);
      this.currentPullId = next;
    });
  }

  /** Ends the lease, after any renewal or hand-over under way (a renewal cannot extend it afterwards). */
  release(): Promise<void> {
    this.stop();
    return this.inTurn(async () => {
      await this.pool.query('UPDATE dataset SET lease_pull_id = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_pull_id = $2', [this.datasetId, this.currentPullId]);
    });
  }

  /** A statement sent at `sentAt` set the lease's expiry (a lease-locked commit of `pullId` landed). */
  renewed(sentAt: Instant, pullId = this.currentPullId): void {
    if (this.ended || pullId !== this.currentPullId || sentAt.mono < this.confirmedAt.mono) return;
    this.confirmedAt = sentAt;
    this.armFence();
  }

  /**
   * At the fence held() turns false by itself; the lease is only lost once a renewal finds it taken.
   * So the fence asks at once: a renewal that waited (behind the run's own long commit, which holds
   * the lease row, or a database that was slow to answer) makes the lease held again when it lands.
   */
  private armFence(): void {
    clearTimeout(this.fence);
    this.fence = setTimeout(() => (this.held() ? this.armFence() : void this.confirm().catch(() => undefined)), Math.max(0, LEASE_TTL_MS - LEASE_FENCE_MARGIN_MS - since(this.confirmedAt)));
    this.fence.unref();
  }

  private endedError(): SluiceError {
    return this.lost.aborted ? (this.lost.reason as SluiceError) : new SluiceError('PULL_ALREADY_RUNNING', 'this run released its pull lease');
  }

  private lose(): SluiceError {
    if (!this.lost.aborted) {
      this.stop();
      this.lostController.abort(new SluiceError('PULL_ALREADY_RUNNING', 'this run lost its pull lease (another process may hold it now)'));
    }
    return this.lost.reason as SluiceError;
  }

  private stop(): void {
    this.ended = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.fence);
    this.onEnd();
  }

  private inTurn<T>(op: () => Promise<T>): Promise<T> {
    const next = this.turn.then(op);
    this.turn = next.catch(() => undefined);
    return next;
  }
}

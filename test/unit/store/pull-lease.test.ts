import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { LEASE_OWNER, ownerIsDeadLocalProcess, ownerName } from '../../../lib/store/pull-lease';
import { until } from '../../support/until';

/** A pid no process has (above Linux's pid_max ceiling of 2^22). */
const NO_SUCH_PID = 4_194_304 + 12_345;
const [, , ...space] = LEASE_OWNER.split(':');

describe('a lease owner whose process is gone', () => {
  it('is void at once only when it was a process of this boot and pid namespace', () => {
    expect(ownerIsDeadLocalProcess(`${os.hostname()}:${NO_SUCH_PID}:${space.join(':')}`)).toBe(true);
    // Another container with the same host name: its pids are not ours to check, so its lease runs out instead.
    expect(ownerIsDeadLocalProcess(`${os.hostname()}:${NO_SUCH_PID}:another-boot/pid:[4026531836]`)).toBe(false);
    // Recorded before owners carried their process space.
    expect(ownerIsDeadLocalProcess(`${os.hostname()}:${NO_SUCH_PID}`)).toBe(false);
    expect(ownerIsDeadLocalProcess(`another-host:${NO_SUCH_PID}:${space.join(':')}`)).toBe(false);
  });

  it('is void once its process was killed, even before its parent reaped it (a zombie)', async () => {
    // A child that exits at once, of a parent that never waits for it (perl-base is essential in Debian).
    const parent = spawn('perl', ['-e', '$| = 1; my $pid = fork; exit 0 unless $pid; print "$pid\\n"; sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const [line] = (await once(parent.stdout, 'data')) as [Buffer];
      const zombie = Number(line.toString().trim());
      await until(() => readFileSync(`/proc/${zombie}/stat`, 'utf8').includes(') Z '));
      expect(ownerIsDeadLocalProcess(`${os.hostname()}:${zombie}:${space.join(':')}`)).toBe(true);
    } finally {
      parent.kill();
    }
  });

  it('is not void while its process lives', () => {
    expect(ownerIsDeadLocalProcess(LEASE_OWNER)).toBe(false);
  });

  it('is named host:pid to a person', () => {
    expect(ownerName(LEASE_OWNER)).toBe(`${os.hostname()}:${process.pid}`);
  });
});

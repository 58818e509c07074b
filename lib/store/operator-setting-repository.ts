import type { PrismaClient } from './prisma';

const CONSOLE = 'console';

/** What a console said of itself at its last start (see OperatorSettingRepository). */
export interface RecordedConsole {
  signupOpen: boolean;
  /** The console's own ports on its machine (web server, device endpoint): never a broker. */
  ports: number[];
}

/**
 * Settings of the console's operator that every process reaching brokers must share. The console
 * records them at each start; the CLI and `sluice worker` read them, because their own environment
 * (an operator's shell, a cron job) need not carry the console's settings, nor know the ports a
 * `sluice start` fell back to.
 */
export class OperatorSettingRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async recordConsole(value: RecordedConsole): Promise<void> {
    const json = { signupOpen: value.signupOpen, ports: value.ports };
    await this.prisma.operatorSetting.upsert({ where: { key: CONSOLE }, create: { key: CONSOLE, value: json }, update: { value: json } });
  }

  /**
   * What the console last recorded. With no record yet (a worker started before any console, or a
   * database from before the record existed) sign-up counts as open once anyone has an account:
   * a console has been set up, so strangers may have made datasets. A database nobody signed up
   * to (the CLI alone, as Kamu is used) has none of theirs.
   */
  async recordedConsole(): Promise<RecordedConsole> {
    const row = await this.prisma.operatorSetting.findUnique({ where: { key: CONSOLE } });
    const value = row?.value as Partial<RecordedConsole> | undefined;
    if (value) return { signupOpen: value.signupOpen === true, ports: Array.isArray(value.ports) ? value.ports.filter((p) => Number.isInteger(p)) : [] };
    return { signupOpen: (await this.prisma.user.findFirst({ select: { id: true } })) !== null, ports: [] };
  }
}

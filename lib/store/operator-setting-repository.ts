import type { PrismaClient } from './prisma';

const SIGNUP_OPEN = 'signup_open';

/**
 * Settings of the console's operator that every process reaching brokers must share. The console
 * records them at each start; the CLI and `sluice worker` read them, because their own environment
 * (an operator's shell, a cron job) need not carry the console's settings.
 */
export class OperatorSettingRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async recordSignupOpen(open: boolean): Promise<void> {
    await this.prisma.operatorSetting.upsert({ where: { key: SIGNUP_OPEN }, create: { key: SIGNUP_OPEN, value: open }, update: { value: open } });
  }

  /**
   * Whether the console last started with sign-up open. With no record yet (a worker started
   * before any console, or a database from before the record existed) the answer fails closed
   * once anyone has an account: a console has been set up, so strangers may have made datasets.
   * A database nobody signed up to (the CLI alone, as Kamu is used) has none of theirs.
   */
  async signupOpen(): Promise<boolean> {
    const row = await this.prisma.operatorSetting.findUnique({ where: { key: SIGNUP_OPEN } });
    if (row) return row.value === true;
    return (await this.prisma.user.findFirst({ select: { id: true } })) !== null;
  }
}

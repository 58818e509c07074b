import type { ScheduleSpec } from '../schedules/schedule-spec';
import type { DatasetKey, DatasetName } from '../datasets/dataset-key';
import type { PrismaClient } from './prisma';

export interface ScheduleRecord {
  datasetId: string;
  dataset: DatasetKey;
  spec: ScheduleSpec;
  enabled: boolean;
  updatedBy: string | null;
  lastRunAt: Date | null;
  lastOutcome: string | null;
  lastError: string | null;
  lastRows: number | null;
}

export interface ScheduleRun {
  at: Date;
  outcome: 'updated' | 'up_to_date' | 'failed' | 'skipped';
  error?: string;
  rows?: number;
}

/** Pull schedules and their last runs. */
export class ScheduleRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async get(datasetId: string): Promise<ScheduleRecord | undefined> {
    const s = await this.prisma.datasetSchedule.findUnique({ where: { datasetId }, include: { dataset: { select: { name: true, workspaceId: true } } } });
    return s ? toRecord(s) : undefined;
  }

  async set(datasetId: string, spec: ScheduleSpec, by: string | null): Promise<void> {
    const data = { everyMinutes: 'everyMinutes' in spec ? spec.everyMinutes : null, cron: 'cron' in spec ? spec.cron : null, enabled: true, updatedBy: by };
    await this.prisma.datasetSchedule.upsert({ where: { datasetId }, create: { datasetId, ...data }, update: data });
  }

  async remove(datasetId: string): Promise<void> {
    await this.prisma.datasetSchedule.deleteMany({ where: { datasetId } });
  }

  async listEnabled(): Promise<ScheduleRecord[]> {
    const rows = await this.prisma.datasetSchedule.findMany({ where: { enabled: true }, include: { dataset: { select: { name: true, workspaceId: true } } } });
    return rows.map(toRecord);
  }

  async recordRun(datasetId: string, run: ScheduleRun): Promise<void> {
    await this.prisma.datasetSchedule.updateMany({
      where: { datasetId },
      data: { lastRunAt: run.at, lastOutcome: run.outcome, lastError: run.error ?? null, lastRows: run.rows ?? null },
    });
  }
}

type Row = { datasetId: string; everyMinutes: number | null; cron: string | null; enabled: boolean; updatedBy: string | null; lastRunAt: Date | null; lastOutcome: string | null; lastError: string | null; lastRows: number | null; dataset: { name: string; workspaceId: string } };

function toRecord(s: Row): ScheduleRecord {
  return {
    datasetId: s.datasetId,
    dataset: { workspaceId: s.dataset.workspaceId, name: s.dataset.name as DatasetName },
    spec: s.everyMinutes !== null ? { everyMinutes: s.everyMinutes } : { cron: s.cron! },
    enabled: s.enabled,
    updatedBy: s.updatedBy,
    lastRunAt: s.lastRunAt,
    lastOutcome: s.lastOutcome,
    lastError: s.lastError,
    lastRows: s.lastRows,
  };
}

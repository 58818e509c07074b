import { formatTime } from '@/app/_components/format';
import { ScheduleSummary } from '@/app/_components/schedule-summary';
import { SecretsEditor } from '@/app/_components/secrets-editor';
import { Card, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { getDatasetOrThrow } from '@/lib/datasets/dataset-layout';
import { getDatasetSchedule } from '@/lib/datasets/dataset-schedule';
import { sourceBrokerUrl } from '@/lib/ingest/mqtt-source-config';
import { loadDatasetView, type DatasetParams } from '../load-dataset';
import { DeleteDataset } from './delete-dataset';
import { PushTopicForm } from './push-topic-form';
import { getPushConnection } from '@/lib/datasets/push-connection';
import { defaultPushTopic } from '@/lib/devices/push-topic';
import { ScheduleForm } from './schedule-form';
import { AlwaysOnForm } from './always-on-form';

/** Maintainers only: the dataset's pull schedule, its secrets, and deleting it. */
export default async function DatasetSettingsPage({ params }: { params: DatasetParams }) {
  const { d, secrets, schedule, push } = await loadDatasetView(
    params,
    async (store, ref) => {
      const d = await getDatasetOrThrow(store.datasets, ref);
      return { d, secrets: await store.secrets.list(d.workspaceId, d.id), schedule: await getDatasetSchedule(store, ref), push: await getPushConnection(store, ref) };
    },
    { secret: 'manage' },
  );
  return (
    <div className="grid gap-3 lg:grid-cols-2">
      <Card>
        <CardHeader>
          <CardTitle>Scheduled pulls</CardTitle>
        </CardHeader>
        <div className="flex flex-col gap-3 p-3">
          <ScheduleForm workspace={d.workspace} dataset={d.name} current={schedule} />
          <ScheduleSummary schedule={schedule} />
        </div>
      </Card>
      {d.snapshot.metadata.some((e) => e.kind === 'SetPollingSource') ? (
        <Card>
          <CardHeader>
            <CardTitle>Always on</CardTitle>
          </CardHeader>
          <div className="p-3">
            <AlwaysOnForm workspace={d.workspace} dataset={d.name} on={d.alwaysOn} />
          </div>
        </Card>
      ) : null}
      {push ? (
        <Card>
          <CardHeader>
            <CardTitle>Device messages</CardTitle>
          </CardHeader>
          <div className="p-3">
            <PushTopicForm workspace={d.workspace} dataset={d.name} current={push.topicFilter === defaultPushTopic(d.name) ? null : push.topicFilter} fallback={defaultPushTopic(d.name)} />
          </div>
        </Card>
      ) : null}
      <Card>
        <CardHeader>
          <CardTitle>Secrets</CardTitle>
        </CardHeader>
        <div className="p-3">
          <SecretsEditor workspace={d.workspace} dataset={d.name} defaultBroker={sourceBrokerUrl(d.snapshot)} secrets={secrets.map((s) => ({ ...s, updatedAt: formatTime(s.updatedAt.toISOString()) }))} />
        </div>
      </Card>
      <Card className="border-destructive/40">
        <CardHeader>
          <CardTitle>Delete</CardTitle>
        </CardHeader>
        <div className="p-3">
          <DeleteDataset workspace={d.workspace} dataset={d.name} />
        </div>
      </Card>
    </div>
  );
}

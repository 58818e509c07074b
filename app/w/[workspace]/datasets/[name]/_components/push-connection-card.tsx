import { Card, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { Badge } from '@/app/_components/ui/badge';
import type { PushConnection } from '@/lib/datasets/push-connection';

/** How devices publish to a push dataset: ready commands with placeholders for a device credential. */
export function PushConnectionCard({ push, deviceUrl, ingestUrl }: { push: PushConnection; deviceUrl: string | undefined; ingestUrl: string }) {
  const endpoint = deviceUrl ? new URL(deviceUrl) : undefined;
  const payload = `'{"...": "one message in the read step's format"}'`;
  const mqtt = endpoint
    ? `mosquitto_pub -h ${endpoint.hostname} -p ${endpoint.port} -u <username> -P <secret> -q 1 -t '${push.exampleTopic}' -m ${payload}`
    : undefined;
  const http = `curl -X POST -H 'Authorization: Bearer <username>:<secret>' --data-binary ${payload} '${ingestUrl}?topic=${encodeURIComponent(push.exampleTopic)}'`;
  return (
    <Card data-testid="push-connection">
      <CardHeader>
        <CardTitle>Devices publish here</CardTitle>
        <Badge tone={push.backlog ? 'warning' : 'neutral'}>inbox: {push.backlog} waiting</Badge>
      </CardHeader>
      <div className="flex flex-col gap-2 p-3 text-sm">
        <p>
          Topics <code className="font-mono">{push.topicFilter}</code>, with a device credential of this workspace (Devices page). Each message is acknowledged once it is stored,
          and folded into the dataset about once a second.
        </p>
        {mqtt ? <pre className="overflow-x-auto rounded bg-muted p-2 font-mono text-xs">{mqtt}</pre> : <p className="text-muted-foreground">This server runs no device endpoint (SLUICE_DEVICES=0).</p>}
        <pre className="overflow-x-auto rounded bg-muted p-2 font-mono text-xs">{http}</pre>
      </div>
    </Card>
  );
}

/** A one-line summary of a metadata event, as `sluice log` and the console's history show it. */
export function describeBlockEvent(event: Record<string, unknown>): string {
  switch (event.kind) {
    case 'AddData': {
      const nd = event.newData as { offsetInterval: { start: number; end: number } } | undefined;
      return `${nd ? `offsets ${nd.offsetInterval.start}..${nd.offsetInterval.end}` : 'no data'} watermark ${event.newWatermark ?? '-'}`;
    }
    case 'SetDataSchema':
      return ((event.schema as { fields: { name: string }[] }).fields ?? []).map((f) => f.name).join(', ');
    case 'SetPollingSource':
      return `${(event.fetch as { kind: string }).kind} → ${(event.merge as { kind: string }).kind}`;
    default:
      return '';
  }
}

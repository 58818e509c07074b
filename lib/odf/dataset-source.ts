/**
 * Where a dataset's data comes from, by Kamu's rules: a root dataset has a polling source (the last
 * SetPollingSource), push sources (AddPushSource: devices send data to it) or neither; a derivative
 * dataset computes its data from its inputs (SetTransform). A manifest never disables a source (Kamu
 * refuses DisablePollingSource / DisablePushSource in a snapshot), but one stored before Sluice refused them may.
 */
import type { AddPushSource, DatasetSnapshot, SetPollingSource, SetTransform } from './manifest-schema';
import { findActivePollingSource } from './mqtt-source';

export type DatasetSource =
  | { kind: 'polling'; source: SetPollingSource }
  | { kind: 'push'; sources: AddPushSource[] }
  | { kind: 'derivative'; transform: SetTransform | undefined }
  | { kind: 'none' };

export function datasetSource(snapshot: Pick<DatasetSnapshot, 'kind' | 'metadata'>): DatasetSource {
  if (snapshot.kind === 'Derivative') {
    return { kind: 'derivative', transform: snapshot.metadata.findLast((e): e is SetTransform => e.kind === 'SetTransform') };
  }
  const polling = findActivePollingSource(snapshot.metadata);
  if (polling) return { kind: 'polling', source: polling };
  const disabled = new Set(snapshot.metadata.flatMap((e) => (e.kind === 'DisablePushSource' ? [e.sourceName] : [])));
  const push = snapshot.metadata.filter((e): e is AddPushSource => e.kind === 'AddPushSource' && !disabled.has(e.sourceName));
  return push.length ? { kind: 'push', sources: push } : { kind: 'none' };
}

/** `root, polling` / `root, push` / `derivative` / `root, no source`: what `sluice list` shows. */
export function describeDatasetKind(source: DatasetSource): string {
  switch (source.kind) {
    case 'polling':
      return 'root, polling';
    case 'push':
      return 'root, push';
    case 'derivative':
      return 'derivative';
    case 'none':
      return 'root, no source';
  }
}

/**
 * Why a pull cannot fetch this dataset, in what is true of it, or undefined when it has a polling
 * source. Push datasets are fed by devices (lib/device-endpoint) and folded from their inbox; transforms are a Kamu feature Sluice does not run (yet).
 */
export function notPullableReason(name: string, source: DatasetSource): string | undefined {
  switch (source.kind) {
    case 'polling':
      return undefined;
    case 'push':
      return `dataset "${name}" has a push source (AddPushSource ${source.sources.map((s) => `"${s.sourceName}"`).join(', ')}): devices send its data to Sluice's device endpoint, nothing is pulled from a broker; \`sluice pull\` folds what they sent into the dataset.`;
    case 'derivative': {
      const inputs = source.transform?.inputs.map((i) => i.alias ?? i.datasetRef) ?? [];
      return `dataset "${name}" is derivative (SetTransform${inputs.length ? ` over ${inputs.join(', ')}` : ''}): its data is computed from its inputs, not pulled. Sluice does not run derivative transforms yet; the manifest is kept and exports unchanged.`;
    }
    case 'none':
      return `dataset "${name}" has no source to pull: its manifest has no SetPollingSource`;
  }
}

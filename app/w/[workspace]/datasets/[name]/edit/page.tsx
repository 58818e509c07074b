import { ManifestEditor } from '@/app/_components/manifest-editor/manifest-editor';
import { getDatasetOrThrow } from '@/lib/datasets/dataset-layout';
import { findActivePollingSource, serializeManifest } from '@/lib/odf';
import { saveManifest } from '../actions';
import { loadDatasetView, type DatasetParams } from '../load-dataset';
import { SnapshotScopeForm } from './snapshot-scope-form';

export default async function EditDatasetPage({ params }: { params: DatasetParams }) {
  const d = await loadDatasetView(params, (store, ref) => getDatasetOrThrow(store.datasets, ref), { dataset: 'edit' });
  const target = { workspace: d.workspace, dataset: d.name };
  const save = async (yaml: string) => {
    'use server';
    return saveManifest({ ...target, yaml });
  };
  return (
    <div className="flex flex-col gap-2">
      <p className="text-xs text-muted-foreground">
        Saving appends each changed event (a new SetPollingSource, SetVocab, SetInfo…) to the metadata chain, as Kamu does: earlier configurations stay in the history and committed data is kept.
      </p>
      <ManifestEditor initialYaml={serializeManifest(d.snapshot)} nameEditable={false} save={save} saveLabel="Save changes" />
      {findActivePollingSource(d.snapshot.metadata)?.merge.kind === 'Snapshot' ? <SnapshotScopeForm workspace={d.workspace} dataset={d.name} current={d.snapshotScope} /> : null}
    </div>
  );
}

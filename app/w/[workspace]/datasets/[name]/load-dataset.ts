import 'server-only';
import type { Permission } from '@/lib/auth/roles';
import { requireDataset, type WorkspaceAccess } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { getStore } from '@/lib/server/store';
import type { Store } from '@/lib/store/open-store';
import type { DatasetKey } from '@/lib/datasets/dataset-key';

export type DatasetParams = Promise<{ workspace: string; name: string }>;

/**
 * Loads a dataset view for a page behind the guard (reading by default). `load` gets the
 * dataset's key (the guard's workspace and the name) for lib/ calls.
 */
export async function loadDatasetView<T>(
  params: DatasetParams,
  load: (store: Store, dataset: DatasetKey, access: WorkspaceAccess) => Promise<T>,
  permission: Permission = { dataset: 'read' },
): Promise<T> {
  const p = await params;
  return guardPage(async () => {
    const access = await requireDataset(p.workspace, p.name, permission);
    return load(await getStore(), access.dataset, access);
  });
}

import 'server-only';
import { notFound } from 'next/navigation';
import { isSluiceError } from '@/lib/errors';
import { getStore } from '@/lib/server/store';
import type { Store } from '@/lib/store/open-store';

/** Loads a dataset view for a page; an unknown dataset name renders the 404 page. */
export async function loadDatasetView<T>(params: Promise<{ name: string }>, load: (store: Store, name: string) => Promise<T>): Promise<T> {
  const name = decodeURIComponent((await params).name);
  try {
    return await load(await getStore(), name);
  } catch (err) {
    if (isSluiceError(err, 'DATASET_NOT_FOUND')) notFound();
    throw err;
  }
}

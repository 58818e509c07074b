import { listDatasetRows } from '@/lib/datasets/list-dataset-rows';
import { getStore } from '@/lib/server/store';

export const dynamic = 'force-dynamic';

export default async function DatasetsPage() {
  const store = await getStore();
  const datasets = await listDatasetRows(store.datasets);
  return (
    <>
      <h1>Datasets</h1>
      {datasets.length === 0 ? (
        <p className="muted">No datasets yet. Add one with <code>npx sluice add manifest.yaml</code>.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Broker</th>
              <th>Topics</th>
              <th>Merge</th>
              <th>Rows</th>
              <th>Watermark</th>
              <th>Last pull</th>
            </tr>
          </thead>
          <tbody>
            {datasets.map((d) => (
              <tr key={d.name} data-testid={`dataset-${d.name}`}>
                <td>{d.name}</td>
                <td><code>{d.broker}</code></td>
                <td><code>{d.topics.join(' ')}</code></td>
                <td>{d.merge}</td>
                <td className="num">{d.rows}</td>
                <td>{d.watermark ?? '—'}</td>
                <td className={d.lastPull ? `status-${d.lastPull.status}` : 'muted'}>
                  {d.lastPull ? `${d.lastPull.at} · ${d.lastPull.status}` : 'never'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

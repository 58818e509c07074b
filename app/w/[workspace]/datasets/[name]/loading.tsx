/** Shown while a dataset tab loads: the shape of a table, so the page does not jump. */
export default function DatasetTabLoading() {
  return (
    <div className="flex animate-pulse flex-col gap-2" aria-busy="true" aria-label="Loading">
      {Array.from({ length: 8 }, (_, i) => (
        <div key={i} className="h-6 rounded bg-muted" />
      ))}
    </div>
  );
}

/**
 * Shown while a read-only dataset tab loads: the shape of a table, so the page does not jump. Not
 * on the dataset segment itself: a page under a loading boundary starts streaming (HTTP 200)
 * before its guard runs, so a refused role would get "Not allowed" with 200 instead of 403.
 */
export default function DatasetTabLoading() {
  return (
    <div className="flex animate-pulse flex-col gap-2" aria-busy="true" aria-label="Loading">
      {Array.from({ length: 8 }, (_, i) => (
        <div key={i} className="h-6 rounded bg-muted" />
      ))}
    </div>
  );
}

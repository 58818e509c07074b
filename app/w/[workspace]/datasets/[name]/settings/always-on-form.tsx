'use client';

import { Button } from '@/app/_components/ui/button';
import { useAction } from '@/app/_components/use-action';
import { setDatasetAlwaysOn } from '../actions';

/** Turns streaming by the worker on or off (a setting outside the manifest; maintainers). */
export function AlwaysOnForm({ workspace, dataset, on }: { workspace: string; dataset: string; on: boolean }) {
  const { pending, error, run } = useAction();
  return (
    <form className="flex flex-col gap-2 text-sm" action={() => run(() => setDatasetAlwaysOn({ workspace, dataset, on: !on }))}>
      <p className="text-muted-foreground">
        {on
          ? 'The worker streams this dataset: what arrives is committed within about a second. Pulls by hand and schedules wait while it runs.'
          : 'Streamed by the worker, the dataset commits what arrives within about a second instead of at each pull.'}
      </p>
      <Button type="submit" disabled={pending} className="self-start">
        {on ? 'Turn always on off' : 'Make always on'}
      </Button>
      {error ? <p className="text-destructive" role="alert">{error}</p> : null}
    </form>
  );
}

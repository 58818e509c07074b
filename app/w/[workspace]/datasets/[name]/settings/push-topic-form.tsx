'use client';

import { useState } from 'react';
import { Button } from '@/app/_components/ui/button';
import { Input, Label } from '@/app/_components/ui/input';
import { useAction } from '@/app/_components/use-action';
import { setPushTopic } from '../actions';

/** The topic filter a push dataset receives device messages on (a setting outside the manifest). */
export function PushTopicForm({ workspace, dataset, current, fallback }: { workspace: string; dataset: string; current: string | null; fallback: string }) {
  const { pending, error, run } = useAction();
  const [filter, setFilter] = useState(current ?? '');
  return (
    <form className="flex flex-wrap items-end gap-2 text-sm" action={() => run(() => setPushTopic({ workspace, dataset, filter }))}>
      <Label>
        Topic filter (empty: {fallback})
        <Input className="w-64 font-mono" value={filter} placeholder={fallback} onChange={(e) => setFilter(e.target.value)} aria-label="Push topic filter" />
      </Label>
      <Button type="submit" disabled={pending}>
        Save topic filter
      </Button>
      {error ? <p className="basis-full text-destructive" role="alert">{error}</p> : null}
    </form>
  );
}

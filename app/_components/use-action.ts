import { useState, useTransition } from 'react';
import type { ActionResult } from '@/lib/server/action-result';

/** Runs a server action and keeps its refusal (e.g. FORBIDDEN, the last maintainer) to show. */
export function useAction() {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const run = <T,>(fn: () => Promise<ActionResult<T>>, onOk?: (data: T) => void) =>
    start(async () => {
      const r = await fn();
      setError(r.ok ? null : r.message);
      if (r.ok) onOk?.(r.data);
    });
  return { pending, error, setError, run };
}

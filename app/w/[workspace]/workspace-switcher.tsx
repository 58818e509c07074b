'use client';

import { useRouter } from 'next/navigation';
import { Select } from '../../_components/ui/input';
import { workspacePath } from '../../_components/paths';

/** Jumps between the account's workspaces; the last entry creates a new one. */
export function WorkspaceSwitcher({ current, workspaces }: { current: string; workspaces: { slug: string; name: string }[] }) {
  const router = useRouter();
  return (
    <Select
      aria-label="Workspace"
      value={current}
      onChange={(e) => router.push(e.target.value === '+' ? '/workspaces/new' : workspacePath(e.target.value))}
    >
      {workspaces.map((w) => (
        <option key={w.slug} value={w.slug}>
          {w.name}
        </option>
      ))}
      <option value="+">New workspace…</option>
    </Select>
  );
}

'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { datasetPath } from '@/app/_components/paths';
import { cn } from '@/app/_components/ui/cn';
import { ScrollArea } from '@/app/_components/ui/scroll-area';

const TABS = [
  ['', 'Overview'],
  ['/data', 'Data'],
  ['/preview', 'Live preview'],
  ['/history', 'History'],
  ['/pulls', 'Pulls'],
  ['/quarantine', 'Quarantine'],
  ['/edit', 'Edit'],
  ['/settings', 'Settings'],
] as const;

export function DatasetTabs({ workspace, name, quarantined, canEdit, canManage }: { workspace: string; name: string; quarantined: number; canEdit: boolean; canManage: boolean }) {
  const pathname = usePathname();
  const base = datasetPath(workspace, name);
  // One row that scrolls sideways on a phone (eight tabs do not fit in 390 px).
  return (
    <ScrollArea>
      <nav className="flex gap-1 border-b whitespace-nowrap" aria-label="Dataset sections">
        {TABS.filter(([suffix]) => (canEdit || suffix !== '/edit') && (canManage || suffix !== '/settings')).map(([suffix, label]) => {
          const href = base + suffix;
          const active = pathname === href;
          return (
            <Link
              key={suffix}
              href={href}
              aria-current={active ? 'page' : undefined}
              className={cn(
                '-mb-px border-b-2 px-3 py-1.5 text-sm text-muted-foreground hover:text-foreground',
                active ? 'border-primary text-foreground' : 'border-transparent',
              )}
            >
              {label}
              {suffix === '/quarantine' && quarantined > 0 ? <span className="ml-1 rounded bg-destructive/15 px-1 text-xs text-destructive">{quarantined}</span> : null}
            </Link>
          );
        })}
      </nav>
    </ScrollArea>
  );
}

'use client';

import { LogOut } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { getAuthClient } from '@/lib/browser/auth-client';
import { clearSliceCache } from '@/lib/browser/duckdb/slice-cache';
import { Button } from './ui/button';

export function UserMenu({ email }: { email: string }) {
  const router = useRouter();
  return (
    <span className="flex items-center gap-2 text-xs text-muted-foreground">
      <span data-testid="signed-in-as">{email}</span>
      <Button
        variant="ghost"
        size="sm"
        onClick={async () => {
          await getAuthClient().signOut();
          await clearSliceCache();
          router.push('/sign-in');
          router.refresh();
        }}
      >
        <LogOut /> Sign out
      </Button>
    </span>
  );
}

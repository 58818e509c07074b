import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { getViewer } from '@/lib/server/guard';
import { THEME_SCRIPT, ThemeToggle } from './_components/theme-toggle';
import { UserMenu } from './_components/user-menu';
import './globals.css';

// Every page shows who is signed in: nothing is prerendered at build time (which would open the store).
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: { default: 'Sluice', template: '%s · Sluice' },
  description: 'MQTT device traffic into versioned, queryable datasets',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const viewer = await getViewer();
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="min-h-screen">
        <header className="flex h-11 items-center gap-4 border-b px-4">
          <Link href="/" className="font-bold text-primary">
            Sluice
          </Link>
          <div className="ml-auto flex items-center gap-2">
            {viewer ? <UserMenu email={viewer.email} /> : null}
            <ThemeToggle />
          </div>
        </header>
        <main className="mx-auto max-w-[1400px] p-4">{children}</main>
      </body>
    </html>
  );
}

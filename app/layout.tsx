import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { THEME_SCRIPT, ThemeToggle } from './_components/theme-toggle';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Sluice', template: '%s · Sluice' },
  description: 'MQTT device traffic into versioned, queryable datasets',
};

export default function RootLayout({ children }: { children: ReactNode }) {
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
          <nav className="flex gap-3 text-muted-foreground">
            <Link href="/" className="hover:text-foreground">
              Datasets
            </Link>
            <Link href="/datasets/new" className="hover:text-foreground">
              New dataset
            </Link>
          </nav>
          <div className="ml-auto">
            <ThemeToggle />
          </div>
        </header>
        <main className="mx-auto max-w-[1400px] p-4">{children}</main>
      </body>
    </html>
  );
}

import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'Sluice',
  description: 'MQTT device traffic into versioned, queryable datasets',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <a href="/" className="brand">Sluice</a>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}

'use client';

import { Button } from './_components/ui/button';

/** Unexpected server errors: the digest matches the server log line; internals are never shown. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="flex flex-col items-start gap-2">
      <h1 className="text-lg font-semibold">Something went wrong</h1>
      <p className="text-sm text-muted-foreground">The server could not render this page{error.digest ? ` (error ${error.digest}, see the server log)` : ''}.</p>
      <Button variant="outline" onClick={reset}>
        Try again
      </Button>
    </div>
  );
}

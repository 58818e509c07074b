import type { ComponentProps } from 'react';
import { cn } from './cn';

/** Dense data table: small type, tabular figures, sticky header. */
export function Table({ className, ...props }: ComponentProps<'table'>) {
  return (
    <div className="overflow-auto">
      <table className={cn('w-full border-collapse text-xs tabular-nums', className)} {...props} />
    </div>
  );
}

export function Th({ className, ...props }: ComponentProps<'th'>) {
  return (
    <th
      className={cn('sticky top-0 border-b bg-muted px-2 py-1.5 text-left font-medium text-muted-foreground whitespace-nowrap', className)}
      {...props}
    />
  );
}

export function Td({ className, ...props }: ComponentProps<'td'>) {
  return <td className={cn('border-b px-2 py-1 align-top whitespace-nowrap', className)} {...props} />;
}

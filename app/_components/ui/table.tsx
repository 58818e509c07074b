import type { ComponentProps } from 'react';
import { cn } from './cn';
import { ScrollArea } from './scroll-area';

/** Dense data table: small type, tabular figures, sticky header; scrolls sideways with shadowed edges. */
export function Table({ className, ...props }: ComponentProps<'table'>) {
  return (
    <ScrollArea>
      <table className={cn('w-full border-collapse text-xs tabular-nums', className)} {...props} />
    </ScrollArea>
  );
}

/** `numeric`: a column of numbers, right-aligned so digits line up (with the table's tabular figures). */
export function Th({ className, numeric, ...props }: ComponentProps<'th'> & { numeric?: boolean }) {
  return (
    <th
      className={cn('sticky top-0 border-b bg-muted px-2 py-1.5 text-left font-medium text-muted-foreground whitespace-nowrap', numeric && 'text-right', className)}
      {...props}
    />
  );
}

export function Td({ className, numeric, ...props }: ComponentProps<'td'> & { numeric?: boolean }) {
  return <td className={cn('border-b px-2 py-1 align-top whitespace-nowrap', numeric && 'text-right', className)} {...props} />;
}

import type { ComponentProps } from 'react';
import { cn } from './cn';

const field = 'rounded-md border bg-background px-2 text-sm placeholder:text-muted-foreground disabled:opacity-50';

export function Input({ className, ...props }: ComponentProps<'input'>) {
  return <input className={cn(field, 'h-8', className)} {...props} />;
}

export function Select({ className, ...props }: ComponentProps<'select'>) {
  return <select className={cn(field, 'h-8', className)} {...props} />;
}

export function Textarea({ className, ...props }: ComponentProps<'textarea'>) {
  return <textarea className={cn(field, 'py-1.5 font-mono text-xs', className)} {...props} />;
}

export function Label({ className, ...props }: ComponentProps<'label'>) {
  return <label className={cn('flex flex-col gap-1 text-xs font-medium text-muted-foreground', className)} {...props} />;
}

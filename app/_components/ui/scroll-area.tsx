'use client';

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { cn } from './cn';

/**
 * A horizontally scrolling box that shows it scrolls: a shadow fades in at each edge with content
 * beyond it (on a 390 px phone a table otherwise just looks cut off). `data-more-left` /
 * `data-more-right` say the same to tests.
 */
export function ScrollArea({ children, className }: { children: ReactNode; className?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [more, setMore] = useState({ left: false, right: false });
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const update = () => setMore({ left: el.scrollLeft > 1, right: el.scrollLeft + el.clientWidth < el.scrollWidth - 1 });
    update();
    el.addEventListener('scroll', update, { passive: true });
    // The box resizes with the page, and its content with new rows.
    const resized = new ResizeObserver(update);
    resized.observe(el);
    if (el.firstElementChild) resized.observe(el.firstElementChild);
    return () => {
      el.removeEventListener('scroll', update);
      resized.disconnect();
    };
  }, []);
  const edge = 'pointer-events-none absolute inset-y-0 w-4 from-black/15 to-transparent transition-opacity dark:from-black/50';
  return (
    <div className={cn('relative', className)}>
      <div ref={box} className="overflow-auto" data-testid="scroll-area" data-more-left={more.left} data-more-right={more.right}>
        {children}
      </div>
      <div aria-hidden className={cn(edge, 'left-0 bg-linear-to-r', more.left ? 'opacity-100' : 'opacity-0')} />
      <div aria-hidden className={cn(edge, 'right-0 bg-linear-to-l', more.right ? 'opacity-100' : 'opacity-0')} />
    </div>
  );
}

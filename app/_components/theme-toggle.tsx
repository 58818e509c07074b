'use client';

import { Moon, Sun } from 'lucide-react';
import { Button } from './ui/button';

/** Runs before first paint (inlined in <head>): the saved theme, else the system's. */
export const THEME_SCRIPT = `try{var t=localStorage.getItem('sluice-theme');if(t==='dark'||(!t&&matchMedia('(prefers-color-scheme: dark)').matches))document.documentElement.classList.add('dark')}catch(e){}`;

export function ThemeToggle() {
  const toggle = () => {
    const dark = document.documentElement.classList.toggle('dark');
    localStorage.setItem('sluice-theme', dark ? 'dark' : 'light');
  };
  return (
    <Button variant="ghost" size="icon" onClick={toggle} aria-label="Toggle dark mode" title="Toggle dark mode">
      <Sun className="hidden dark:block" />
      <Moon className="dark:hidden" />
    </Button>
  );
}

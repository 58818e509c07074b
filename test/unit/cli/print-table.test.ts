import { describe, expect, it, vi } from 'vitest';
import { printTable, visible } from '../../../cli/print-table';

describe('printTable', () => {
  it('writes control characters a device sent as escapes: no terminal escape sequence, no broken row', () => {
    expect(visible('a\u001b[2Jb')).toBe('a\\u001b[2Jb');
    expect(visible('line\nnext\r\tend')).toBe('line\\nnext\\r\\tend');
    expect(visible('\u007f\u009b31m\u0000')).toBe('\\u007f\\u009b31m\\u0000');
    expect(visible('plain °C ✓')).toBe('plain °C ✓');
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    try {
      printTable(['k', 'v\u001b[1m'], [['x\ny', '\u001b]0;title\u0007']]);
    } finally {
      log.mockRestore();
    }
    expect(out).toEqual(['k     v\\u001b[1m', 'x\\ny  \\u001b]0;title\\u0007']);
  });
});

import { describe, expect, it } from 'vitest';
import { displayName } from '../../../lib/auth/display-name';

describe('display names (saved queries, workspaces, accounts)', () => {
  const rule = displayName('a name', 100);
  const refused = (text: string) => !rule.safeParse(text).success;

  it('refuse invisible, control and text-direction characters, and words mixing look-alike scripts', () => {
    for (const text of ['Daily report\u200b', 'Daily\u2060report', 'x\u202Egnp.exe', 'a\u2066b\u2069', 'tab\there', 'line\u2028two', 'soft\u00ADhyphen', 'b\uFEFFom', 'Daily rep\u043ert', 'Ρeport', 'filler\u3164', 'tag\u{E0041}']) {
      expect(refused(text), JSON.stringify(text)).toBe(true);
    }
  });

  it('accept names in any one script, with accents, emoji and ordinary spaces', () => {
    for (const text of ['Daily report', 'Отчёт за день', 'Café crème', '日報 2026', 'Team 👩‍💻 ❤️', 'α-test β', 'Ünïcödé Déjà vu']) {
      expect(rule.parse(text), text).toBe(text);
    }
    expect(rule.parse('  trimmed ')).toBe('trimmed');
  });
});

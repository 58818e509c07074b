import { z } from 'zod';

/**
 * Characters a member could use to make one name look like another, or to hide text in it:
 * controls, format characters (bidi overrides and isolates such as U+202E, zero-width spaces and
 * joiners, the BOM, soft hyphens, tag characters), line and paragraph separators, private-use and
 * unassigned code points, and the default-ignorable letters and marks that render as nothing
 * (combining grapheme joiner, Hangul fillers, variation selectors, Mongolian free variation selectors).
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u2800\u3164\uFE00-\uFE0F\uFFA0\u{E0100}-\u{E01EF}]/u;

/** Emoji, whose sequences hold zero-width joiners and variation selectors of their own. */
const EMOJI = new RegExp('\\p{RGI_Emoji}', 'gv');

/** Scripts whose letters pass for each other (Latin "o", Cyrillic "о", Greek "ο"). */
const LOOK_ALIKE_SCRIPTS = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
] as const;

/** Why `text` may not be a display name, or null. */
export function displayNameRefusal(what: string, text: string): string | null {
  const hidden = HIDDEN.exec(text.replace(EMOJI, ''));
  if (hidden) {
    const code = hidden[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `${what} may not contain invisible, control or text-direction characters (found U+${code})`;
  }
  // A word spelt in two of these scripts is a disguise ("rep\u043ert"), never a word.
  for (const word of text.match(/\p{L}+/gu) ?? []) {
    const scripts = LOOK_ALIKE_SCRIPTS.filter(([, letter]) => letter.test(word)).map(([script]) => script);
    if (scripts.length > 1) return `${what} may not mix ${scripts.join(' and ')} letters in one word ("${word}")`;
  }
  return null;
}

/**
 * The one rule for a name members show each other (saved queries, workspaces, accounts): trimmed,
 * 1 to `max` characters, nothing hidden. Names that differ only in such characters would otherwise
 * coexist and pass for each other ("Daily report" and "Daily report\u200b").
 */
export function displayName(what: string, max: number) {
  return z
    .string()
    .trim()
    .min(1, `${what} is required`)
    .max(max, `${what} is at most ${max} characters`)
    .superRefine((text, ctx) => {
      const refusal = displayNameRefusal(what, text);
      if (refusal) ctx.addIssue({ code: 'custom', message: refusal });
    });
}

/**
 * What two names must differ in to be two names: compatibility forms folded (NFKC: full-width and
 * ligature letters, non-breaking spaces) and case (upper then lower, so "ß" meets "SS"), so
 * "DAILY REPORT" and "Ｄaily report" are "Daily report". A word mixing scripts to look like
 * another is refused by displayNameRefusal.
 */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

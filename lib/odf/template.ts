/**
 * `${{ expr }}` templates in manifest fields (spec 1.7; kamu `template_string`). `expr` is one or more
 * alternatives separated by `||`; each is `env.NAME` (NAME: `[A-Za-z0-9_-]+`), a number literal or a
 * single-quoted string literal. The first alternative that resolves wins; several templates may appear in
 * one string. Templates are resolved at fetch time only: stored manifests keep the raw text.
 *
 * Deliberate differences from kamu, both safer and invisible for well-formed manifests:
 * - substituted values are not scanned again (kamu re-scans the whole string, so a secret containing
 *   `${{ ... }}` would be expanded in turn);
 * - a string literal keeps its inner spaces (kamu trims them), and a number literal needs a real `.`.
 */
import { TemplateInvalidPatternError, TemplateValueNotFoundError } from './errors';

const TEMPLATE = /\$\{\{([^}]*)\}\}/g;
const ENV_VAR = /^env\.([A-Za-z0-9_-]+)$/;
const NUMBER = /^-?[0-9]+(?:\.[0-9]+)?$/;
const STRING = /^'([^']*)'$/;

type Alternative = { env: string } | { literal: string };

/** Looks a variable up by name; `undefined` means "not set" (an empty string is a value). */
export type TemplateLookup = (name: string) => string | undefined;

function parseAlternatives(template: string, expression: string): Alternative[] {
  return expression.split('||').map((raw) => {
    const alternative = raw.trim();
    const env = ENV_VAR.exec(alternative);
    if (env) return { env: env[1] };
    if (NUMBER.test(alternative)) return { literal: alternative };
    const string = STRING.exec(alternative);
    if (string) return { literal: string[1] };
    throw new TemplateInvalidPatternError(template, alternative);
  });
}

/**
 * Replaces every template in `text`. Throws `TemplateInvalidPatternError` for a malformed alternative and
 * `TemplateValueNotFoundError` when no alternative of a template resolves.
 */
export function resolveTemplate(text: string, lookup: TemplateLookup): string {
  return text.replace(TEMPLATE, (template, expression: string) => {
    const alternatives = parseAlternatives(template, expression);
    for (const alternative of alternatives) {
      const value = 'env' in alternative ? lookup(alternative.env) : alternative.literal;
      if (value !== undefined) return value;
    }
    const variables = alternatives.flatMap((alternative) => ('env' in alternative ? [alternative.env] : []));
    throw new TemplateValueNotFoundError(template, variables);
  });
}

/** The variable names `text` refers to, once each, in order of appearance (e.g. to list needed secrets). */
export function templateVariables(text: string): string[] {
  const names = [...text.matchAll(TEMPLATE)].flatMap(([template, expression]) =>
    parseAlternatives(template, expression).flatMap((alternative) => ('env' in alternative ? [alternative.env] : [])),
  );
  return [...new Set(names)];
}

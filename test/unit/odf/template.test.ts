import { describe, expect, it } from 'vitest';
import {
  resolveTemplate,
  templateVariables,
  TemplateInvalidPatternError,
  TemplateValueNotFoundError,
} from '../../../lib/odf';

const env: Record<string, string> = { test1: 'val1', test2: 'val2', EMPTY: '', 'MY-VAR_2': 'dash' };
const lookup = (name: string) => env[name];

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('resolveTemplate', () => {
  it('leaves text without templates unchanged', () => {
    expect(resolveTemplate('plain ${ env.test1 } and {{ env.test1 }}', lookup)).toBe('plain ${ env.test1 } and {{ env.test1 }}');
  });

  it('replaces several templates in one string', () => {
    expect(resolveTemplate('${{ env.test1 }}, ${{ env.test2 || \'default2\' }}', lookup)).toBe('val1, val2');
  });

  it('takes the first alternative that resolves', () => {
    expect(resolveTemplate('foo=${{ env.test3 || env.test4 || \'default-val3\' }}', lookup)).toBe('foo=default-val3');
    expect(resolveTemplate('foo=${{ env.test3 || env.test1 || \'default-val3\' }}', lookup)).toBe('foo=val1');
  });

  it('accepts number literals and string literals with any characters but a quote', () => {
    expect(resolveTemplate('${{ env.none || 123 }}', lookup)).toBe('123');
    expect(resolveTemplate('${{ env.none || -123 }}', lookup)).toBe('-123');
    expect(resolveTemplate('${{ env.none || 0.5 }}', lookup)).toBe('0.5');
    expect(resolveTemplate(`\${{ env.none || '"random str __%.?' }}"`, lookup)).toBe('"random str __%.?"');
    expect(resolveTemplate("${{ ' padded ' }}", lookup)).toBe(' padded ');
  });

  it('accepts letters, digits, _ and - in names, without spaces around the braces', () => {
    expect(resolveTemplate('${{env.MY-VAR_2}}', lookup)).toBe('dash');
  });

  it('treats an empty value as set', () => {
    expect(resolveTemplate('[${{ env.EMPTY || \'fallback\' }}]', lookup)).toBe('[]');
  });

  it('does not expand templates inside substituted values', () => {
    expect(resolveTemplate('${{ env.NESTED }}', (name) => (name === 'NESTED' ? '${{ env.test1 }}' : undefined))).toBe(
      '${{ env.test1 }}',
    );
  });

  it('throws TemplateValueNotFoundError naming the variables tried, not values', () => {
    const error = thrown(() => resolveTemplate('${{ env.test1 }}, ${{ env.missing_var }}', lookup));
    expect(error).toBeInstanceOf(TemplateValueNotFoundError);
    expect(error).toMatchObject({
      code: 'TEMPLATE_VALUE_NOT_FOUND',
      template: '${{ env.missing_var }}',
      variables: ['missing_var'],
      message: 'no value for template "${{ env.missing_var }}": environment variable missing_var is not set',
    });
    const several = thrown(() => resolveTemplate('${{ env.A || env.B }}', lookup));
    expect(several).toMatchObject({
      variables: ['A', 'B'],
      message: 'no value for template "${{ env.A || env.B }}": none of the environment variables A, B is set',
    });
  });

  it.each([
    ['X=${{ env.test2 || qwe1 }}', 'qwe1'],
    ['${{ }}', ''],
    ['${{ env.test1 || }}', ''],
    ['${{ env.my var }}', 'env.my var'],
    ['${{ "double" }}', '"double"'],
    ['${{ 1.2.3 }}', '1.2.3'],
    ['${{ 1x5 }}', '1x5'],
  ])('throws TemplateInvalidPatternError for %s', (text, pattern) => {
    const error = thrown(() => resolveTemplate(text, lookup));
    expect(error).toBeInstanceOf(TemplateInvalidPatternError);
    expect(error).toMatchObject({ code: 'TEMPLATE_INVALID_PATTERN', pattern });
  });

  it('reports an invalid pattern even when an earlier alternative resolves', () => {
    expect(() => resolveTemplate('${{ env.test1 || bad }}', lookup)).toThrow(
      'invalid template alternative "bad" in "${{ env.test1 || bad }}"; ' +
        "expected env.NAME (letters, digits, _ or -), a number or a 'single-quoted string'",
    );
  });
});

describe('templateVariables', () => {
  it('lists each variable once, in order of appearance', () => {
    expect(templateVariables("${{ env.B || env.A }}:${{ env.C || 'x' }}/${{ env.B }}")).toEqual(['B', 'A', 'C']);
  });

  it('returns nothing for text without variables', () => {
    expect(templateVariables("plain ${{ 'literal' || 5 }}")).toEqual([]);
  });

  it('throws on a malformed template', () => {
    expect(() => templateVariables('${{ nope }}')).toThrow(TemplateInvalidPatternError);
  });
});

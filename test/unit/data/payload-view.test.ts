import { describe, expect, it } from 'vitest';
import { payloadView, printableText, toHex } from '../../../lib/data/payload-view';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('payloadView', () => {
  it('pretty-prints JSON', () => {
    expect(payloadView(bytes('{"a":1,"b":[true]}'))).toEqual({ kind: 'json', text: '{\n  "a": 1,\n  "b": [\n    true\n  ]\n}' });
  });

  it('shows text that merely looks like JSON as text', () => {
    expect(payloadView(bytes('{not json'))).toEqual({ kind: 'text', text: '{not json' });
    expect(payloadView(bytes('<img src=x onerror=alert(1)>'))).toEqual({ kind: 'text', text: '<img src=x onerror=alert(1)>' });
  });

  it('shows invalid UTF-8 and control characters as hex', () => {
    expect(payloadView(new Uint8Array([0xde, 0xad, 0xbe, 0xef]))).toEqual({ kind: 'hex', text: 'de ad be ef' });
    expect(printableText(new Uint8Array([0x41, 0x00]))).toBeUndefined();
    expect(printableText(bytes('tab\tand\nnewline'))).toBe('tab\tand\nnewline');
  });

  it('cuts long hex with a note of what was left out', () => {
    expect(toHex(new Uint8Array([1, 2, 3, 4]), 2)).toBe('01 02 … (2 more bytes)');
  });
});

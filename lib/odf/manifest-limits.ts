/**
 * Size limits a manifest must meet before the YAML library composes it, so that no text — from the console,
 * the CLI or the editor — can hold the event loop. yaml's composer is superlinear in nesting (400,000 nested
 * `[` took 13 s) and its default duplicate-key check is quadratic in a mapping's keys (70,000 keys: 147 s);
 * `parseManifest` turns the latter off and checks keys itself (`yaml-unique-keys.ts`).
 *
 * The scan runs yaml's own `Lexer` (linear, and it knows what is quoted, a comment or a block scalar, so a `[`
 * inside a string is not nesting) and stops at the first limit exceeded. Kamu's real manifests are far below
 * every limit: of the 207 gathered from Kamu's repositories the largest is 14,627 bytes, the deepest nests 11
 * levels (a Struct in a read schema), the one with most entries has 160 keys and list items, and none uses an
 * alias.
 */
import { CST, Lexer } from 'yaml';
import { ManifestError } from './errors';

export const MANIFEST_LIMITS = {
  /** UTF-8 bytes of the manifest text (256 KiB; 18× the largest real manifest). */
  bytes: 256 * 1024,
  /** Collections nested in one another, block (by indentation) and flow (`[`, `{`) together (6× the deepest). */
  depth: 64,
  /**
   * Mapping keys plus list items, in block and flow style, over the whole manifest, and again once aliases are
   * expanded (`yaml-alias-expansion.ts`); 60× the most. The cost of a manifest that is accepted grows with
   * them: at this limit (a read schema of 3,300 fields) parsing takes about 0.3 s of CPU, most of it yaml's.
   */
  entries: 10_000,
  /** YAML documents (`---`) in one text: each is composed in full, so thousands of empty ones cost seconds. */
  documents: 100,
  /**
   * Aliases (`*name`) in the text. yaml resolves each by scanning the document's anchors, so their number must
   * be small; it is also yaml's `maxAliasCount`, its own cap on the uses of one anchor.
   */
  aliases: 100,
} as const;

/** Throws a `ManifestError` naming the first limit of `MANIFEST_LIMITS` that `text` exceeds, and where. */
export function checkManifestLimits(text: string): void {
  const bytes = utf8Length(text);
  if (bytes > MANIFEST_LIMITS.bytes) {
    const limit = MANIFEST_LIMITS.bytes;
    fail(1, 1, `the manifest is ${bytes} bytes; at most ${limit} (${limit / 1024} KiB) are accepted`);
  }
  const scan = new StructureScan();
  let nextIsScalar = false;
  for (const source of new Lexer().lex(text)) {
    if (nextIsScalar) {
      nextIsScalar = false;
      scan.token(source, scan.blockScalarPending ? 'block-scalar' : 'scalar');
      continue;
    }
    const type = CST.tokenType(source);
    // Markers carry no characters: SCALAR announces that the next token is a scalar's text; FLOW_END ends
    // every flow collection at a line indented too little (an error yaml reports itself).
    if (type === 'scalar') nextIsScalar = true;
    else if (type === 'flow-error-end') scan.flowDepth = 0;
    else if (type !== 'doc-mode') scan.token(source, type);
  }
}

/** Follows the lexer's tokens: position, nesting and entries so far. */
class StructureScan {
  flowDepth = 0;
  blockScalarPending = false;
  private offset = 0;
  private line = 1;
  private lineStart = 0;
  /**
   * Block nesting: the columns of the open block levels, innermost last. A line's first token closes the
   * levels indented deeper than itself; it and each compact indicator after it (`- - x`, `- key:`) open one.
   */
  private readonly blockColumns: number[] = [];
  private atLineStart = true;
  private flowEntryExpected = false;
  private entries = 0;
  private aliases = 0;
  private documents = 0;

  token(source: string, type: string | null): void {
    switch (type) {
      case 'newline':
        this.atLineStart = true;
        break;
      case 'space':
      case 'comment':
      case 'byte-order-mark':
      case 'directive':
      case 'doc-end':
        break;
      case 'doc-start':
        this.documents += 1;
        if (this.documents > MANIFEST_LIMITS.documents) fail(this.line, this.column, `the text has more than ${MANIFEST_LIMITS.documents} YAML documents; at most ${MANIFEST_LIMITS.documents} are accepted`);
        break;
      case 'seq-item-ind':
      case 'explicit-key-ind':
      case 'map-value-ind':
        if (this.flowDepth === 0) {
          this.countEntry();
          // the line stays "at its start": the node after the indicator is one level deeper
          if (this.atLineStart) this.blockLevel(true);
        } else {
          this.flowNode();
        }
        break;
      case 'comma':
        this.flowEntryExpected = true;
        break;
      case 'flow-map-start':
      case 'flow-seq-start':
        this.node(false); // its level is counted as flow depth
        this.flowDepth += 1;
        this.flowEntryExpected = true;
        this.checkDepth();
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        this.flowDepth = Math.max(0, this.flowDepth - 1);
        this.flowEntryExpected = false;
        break;
      case 'block-scalar':
        // Its text is content, not indentation, and runs to the end of its last line.
        this.blockScalarPending = false;
        this.atLineStart = source.endsWith('\n');
        break;
      case 'block-scalar-header':
        this.blockScalarPending = true;
        this.node();
        break;
      case 'alias':
        this.aliases += 1;
        if (this.aliases > MANIFEST_LIMITS.aliases) {
          const limit = MANIFEST_LIMITS.aliases;
          fail(this.line, this.column, `the manifest has more than ${limit} aliases (*name); at most ${limit} are accepted`);
        }
        this.node();
        break;
      default: // a scalar, anchor, tag or `---`
        this.node();
    }
    this.advance(source);
  }

  /** A node's first token: in flow, it may start an entry; in block, at a line's start, it sets the level. */
  private node(opensBlockLevel = true): void {
    if (this.flowDepth > 0) this.flowNode();
    else if (this.atLineStart) this.blockLevel(opensBlockLevel);
    this.atLineStart = false;
  }

  private flowNode(): void {
    if (!this.flowEntryExpected) return;
    this.flowEntryExpected = false;
    this.countEntry();
  }

  /** Closes the block levels indented deeper than this token; with `open`, its column is a level. */
  private blockLevel(open: boolean): void {
    const columns = this.blockColumns;
    const column = this.column;
    while (columns.length > 0 && columns[columns.length - 1] > column) columns.pop();
    if (open && columns[columns.length - 1] !== column) columns.push(column);
    this.checkDepth();
  }

  private checkDepth(): void {
    if (this.blockColumns.length + this.flowDepth > MANIFEST_LIMITS.depth) {
      fail(this.line, this.column, `nested deeper than ${MANIFEST_LIMITS.depth} levels`);
    }
  }

  private countEntry(): void {
    this.entries += 1;
    if (this.entries > MANIFEST_LIMITS.entries) {
      const limit = MANIFEST_LIMITS.entries;
      fail(this.line, this.column, `the manifest has more than ${limit} keys and list items; at most ${limit} are accepted`);
    }
  }

  private get column(): number {
    return this.offset - this.lineStart + 1;
  }

  private advance(source: string): void {
    this.offset += source.length;
    for (let nl = source.indexOf('\n'); nl !== -1; nl = source.indexOf('\n', nl + 1)) {
      this.line += 1;
      this.lineStart = this.offset - source.length + nl + 1;
    }
  }
}

function fail(line: number, column: number, message: string): never {
  throw new ManifestError([{ path: [], line, column, message }]);
}

/** UTF-8 length of `text` without encoding it (a lone surrogate counts as U+FFFD, 3 bytes, as TextEncoder writes it). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * A strict parser for HCL 1, the language of Vault's policies and server config (Vault parses both
 * with github.com/hashicorp/hcl v1, not HCL 2). It returns HCL 1's own shape, an object list of
 * items with positions, so callers can check keys per block and name lines as Vault does:
 *
 *   item    := key+ '=' value | key+ '{' item* '}'      (key: IDENT or "STRING"; '=' takes one key)
 *   value   := STRING | HEREDOC | NUMBER | FLOAT | BOOL | '{' item* '}' | '[' (value (',' value)* ','?)? ']'
 *
 * Items may be separated by newlines, spaces or commas; a block's `{` may sit on the next line.
 * A document whose first non-space character is `{` is JSON (as in HCL 1), mapped onto the same
 * shape (each member one single-key item). No expressions, references or function calls: those
 * are HCL 2 and Vault rejects them. Never throws: bad input is `{ ok: false, line, column, message }`.
 */
import { HclScanError, Lexer, type Token, type TokenKind } from './lexer.js';

/** A position in the source (1-based). */
export interface HclPosition {
  line: number;
  column: number;
}

/** One key of an item: `path "secret/*" {` has the keys `path` and `secret/*`. */
export interface HclKey extends HclPosition {
  name: string;
}

/** A value: a literal, a list, or an object (a `{ ... }` block body or an object literal). */
export type HclValue =
  | (HclPosition & { kind: 'literal'; value: string | number | boolean | null })
  | (HclPosition & { kind: 'list'; items: HclValue[] })
  | (HclPosition & { kind: 'object'; items: HclItem[] });

/** `keys = value` (`assign`) or `keys { ... }` (a block, value is an object). */
export interface HclItem extends HclPosition {
  keys: HclKey[];
  assign: boolean;
  value: HclValue;
}

/** The parsed document (top-level items), or the first syntax error. */
export type HclParseResult =
  | { ok: true; json: boolean; items: HclItem[] }
  | { ok: false; line: number; column: number; message: string };

/** Deepest nesting of objects and lists; deeper input is an error, not a stack overflow. */
export const hclNestingDepthMax = 64;

const literalKinds = new Set<TokenKind>(['STRING', 'HEREDOC', 'NUMBER', 'FLOAT', 'BOOL']);

/** Parses HCL 1 (or JSON, when the text starts with `{`). */
export function parseHcl1(text: string): HclParseResult {
  const json = text.trimStart().startsWith('{');
  const parser = new Parser(new Lexer(text, json));
  try {
    return { ok: true, json, items: json ? parser.jsonDocument() : parser.objectList(false, 0) };
  } catch (err) {
    if (err instanceof HclScanError) {
      return { ok: false, line: err.line, column: err.column, message: err.message };
    }
    throw err;
  }
}

class Parser {
  private lookahead: Token | undefined;

  constructor(private readonly lexer: Lexer) {}

  private peek(): Token {
    this.lookahead ??= this.lexer.next();
    return this.lookahead;
  }

  private next(): Token {
    const token = this.peek();
    this.lookahead = undefined;
    return token;
  }

  private fail(token: HclPosition, message: string): never {
    throw new HclScanError(token.line, token.column, message);
  }

  private deeper(token: Token, depth: number): number {
    if (depth >= hclNestingDepthMax) this.fail(token, `nesting deeper than ${hclNestingDepthMax} levels`);
    return depth + 1;
  }

  /** Items until EOF (top level) or the closing `}` (left for the caller). */
  objectList(inObject: boolean, depth: number): HclItem[] {
    const items: HclItem[] = [];
    for (;;) {
      const token = this.peek();
      if (token.kind === 'EOF') {
        if (inObject) this.fail(token, 'object expected closing RBRACE got: EOF');
        return items;
      }
      if (inObject && token.kind === 'RBRACE') return items;
      items.push(this.objectItem(depth));
      if (this.peek().kind === 'COMMA') this.next();
    }
  }

  private objectItem(depth: number): HclItem {
    const keys: HclKey[] = [];
    for (;;) {
      const token = this.next();
      if (token.kind === 'IDENT' || token.kind === 'STRING') {
        keys.push({ name: token.value as string, line: token.line, column: token.column });
        continue;
      }
      const first = keys[0];
      if (first === undefined) return this.fail(token, `expected: IDENT | STRING got: ${token.kind}`);
      // Explicit properties, not a spread: V8 builds spread-then-extend literals slowly.
      if (token.kind === 'ASSIGN') {
        if (keys.length > 1) this.fail(token, 'nested object expected: LBRACE got: ASSIGN');
        const value = this.value(depth);
        return { line: first.line, column: first.column, keys, assign: true, value };
      }
      if (token.kind === 'LBRACE') {
        const value = this.objectType(token, depth);
        return { line: first.line, column: first.column, keys, assign: false, value };
      }
      if (token.kind === 'EOF') {
        this.fail(token, `key '${first.name}' expected start of object ('{') or assignment ('=')`);
      }
      return this.fail(token, `expected: IDENT | STRING | ASSIGN | LBRACE got: ${token.kind}`);
    }
  }

  private value(depth: number): HclValue {
    const token = this.next();
    if (literalKinds.has(token.kind)) return literal(token);
    if (token.kind === 'LBRACE') return this.objectType(token, depth);
    if (token.kind === 'LBRACK') return this.listType(token, depth);
    return this.fail(
      token,
      `Unknown token: ${token.kind}${token.kind === 'IDENT' ? ` ${String(token.value)}` : ''}`,
    );
  }

  /** After `{`: items, then `}`. */
  private objectType(open: Token, depth: number): HclValue {
    const items = this.objectList(true, this.deeper(open, depth));
    this.next();
    return { kind: 'object', items, line: open.line, column: open.column };
  }

  /** After `[`: values separated by commas, a trailing comma allowed, then `]`. */
  private listType(open: Token, depth: number): HclValue {
    const inner = this.deeper(open, depth);
    const items: HclValue[] = [];
    let needComma = false;
    for (;;) {
      const token = this.next();
      if (token.kind === 'RBRACK') return { kind: 'list', items, line: open.line, column: open.column };
      if (needComma) {
        if (token.kind !== 'COMMA') {
          this.fail(token, `error parsing list, expected comma or list end, got: ${token.kind}`);
        }
        needComma = false;
        continue;
      }
      if (literalKinds.has(token.kind)) items.push(literal(token));
      else if (token.kind === 'LBRACE') items.push(this.objectType(token, inner));
      else if (token.kind === 'LBRACK') items.push(this.listType(token, inner));
      else this.fail(token, `unexpected token while parsing list: ${token.kind}`);
      needComma = true;
    }
  }

  /** JSON: one object, then EOF. */
  jsonDocument(): HclItem[] {
    const open = this.next();
    const root = this.jsonObject(open, 0);
    const rest = this.next();
    if (rest.kind !== 'EOF') this.fail(rest, `unexpected ${rest.kind} after the JSON object`);
    return root.kind === 'object' ? root.items : [];
  }

  private jsonValue(depth: number): HclValue {
    const token = this.next();
    if (token.kind === 'LBRACE') return this.jsonObject(token, depth);
    if (token.kind === 'LBRACK') {
      const inner = this.deeper(token, depth);
      const items: HclValue[] = [];
      if (this.peek().kind === 'RBRACK') this.next();
      else {
        for (;;) {
          items.push(this.jsonValue(inner));
          const separator = this.next();
          if (separator.kind === 'RBRACK') break;
          if (separator.kind !== 'COMMA')
            this.fail(separator, `expected COMMA or RBRACK got: ${separator.kind}`);
        }
      }
      return { kind: 'list', items, line: token.line, column: token.column };
    }
    if (literalKinds.has(token.kind) || token.kind === 'NULL') return literal(token);
    return this.fail(token, `unexpected token: ${token.kind}`);
  }

  private jsonObject(open: Token, depth: number): HclValue {
    if (open.kind !== 'LBRACE') this.fail(open, `expected LBRACE got: ${open.kind}`);
    const inner = this.deeper(open, depth);
    const items: HclItem[] = [];
    if (this.peek().kind === 'RBRACE') this.next();
    else {
      for (;;) {
        const key = this.next();
        if (key.kind !== 'STRING') this.fail(key, `expected: STRING got: ${key.kind}`);
        const colon = this.next();
        if (colon.kind !== 'COLON') this.fail(colon, `expected: COLON got: ${colon.kind}`);
        const name = { name: key.value as string, line: key.line, column: key.column };
        items.push({
          line: key.line,
          column: key.column,
          keys: [name],
          assign: true,
          value: this.jsonValue(inner),
        });
        const separator = this.next();
        if (separator.kind === 'RBRACE') break;
        if (separator.kind !== 'COMMA')
          this.fail(separator, `expected COMMA or RBRACE got: ${separator.kind}`);
      }
    }
    return { kind: 'object', items, line: open.line, column: open.column };
  }
}

function literal(token: Token): HclValue {
  return { kind: 'literal', value: token.value, line: token.line, column: token.column };
}

/**
 * The scanner of HCL 1 (github.com/hashicorp/hcl v1, the language Vault reads policies and its
 * config with), limited to what it defines: `#` and `//` line comments, `/* *\/` block comments,
 * identifiers (letters, digits, `_`, `-`, `.`), `true`/`false`, numbers (decimal, octal `0755`,
 * hex `0x1f`, floats, exponents, a leading `-`), double-quoted strings with Go escapes (no raw
 * newline except inside `${...}`), heredocs (`<<EOF` and the indented `<<-EOF`) and the
 * punctuation `{ } [ ] , =`. JSON mode (HCL 1 reads a document that starts with `{` as JSON)
 * adds `:` and `null` and drops comments and heredocs. Every error carries its 1-based line and
 * column; nothing here throws anything but `HclScanError`.
 */

/** Token kinds, named as HCL 1 names them in its error messages. */
export type TokenKind =
  | 'LBRACE'
  | 'RBRACE'
  | 'LBRACK'
  | 'RBRACK'
  | 'COMMA'
  | 'ASSIGN'
  | 'COLON'
  | 'IDENT'
  | 'STRING'
  | 'HEREDOC'
  | 'NUMBER'
  | 'FLOAT'
  | 'BOOL'
  | 'NULL'
  | 'EOF';

/** One token: kind, decoded value for literals, position of its first character. */
export interface Token {
  kind: TokenKind;
  /** Identifier name, decoded string/heredoc text, number, or boolean; null for NULL. */
  value: string | number | boolean | null;
  line: number;
  column: number;
}

/** A syntax error at a position (internal to the HCL 1 module; the parser returns it as data). */
export class HclScanError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

const punctuation: Record<string, TokenKind> = {
  '{': 'LBRACE',
  '}': 'RBRACE',
  '[': 'LBRACK',
  ']': 'RBRACK',
  ',': 'COMMA',
  '=': 'ASSIGN',
};

const simpleEscapes: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

const unicodeLetter = /^\p{L}$/u;

function isLetter(ch: string): boolean {
  if (ch.length !== 1) return false;
  const code = ch.charCodeAt(0);
  if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95) return true;
  return code > 0x7f && unicodeLetter.test(ch);
}

/** Not `"`, `\\`, `$` or a newline: copied as is inside a string. */
function plainStringCode(code: number): boolean {
  return code !== 34 && code !== 92 && code !== 36 && code !== 10;
}

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

/** Splits `text` into tokens on demand (`next()`), HCL 1 or JSON rules. */
export class Lexer {
  private offset = 0;
  private line = 1;
  private column = 1;

  constructor(
    private readonly text: string,
    private readonly json: boolean,
  ) {}

  /** The next token (EOF forever at the end). Throws `HclScanError`. */
  next(): Token {
    this.skipSpaceAndComments();
    const line = this.line;
    const column = this.column;
    const at = (kind: TokenKind, value: Token['value'] = null): Token => ({ kind, value, line, column });
    const ch = this.peek();
    if (ch === '') return at('EOF');
    if (punctuation[ch] !== undefined && !(this.json && ch === '=')) {
      this.advance();
      return at(punctuation[ch]);
    }
    if (ch === ':' && this.json) {
      this.advance();
      return at('COLON');
    }
    if (ch === '"') return at('STRING', this.scanString());
    if (isDigit(ch) || (ch === '-' && isDigit(this.peek(1)))) {
      const { kind, value } = this.scanNumber(line, column);
      return at(kind, value);
    }
    if (ch === '<' && this.peek(1) === '<' && !this.json)
      return at('HEREDOC', this.scanHeredoc(line, column));
    if (isLetter(ch)) {
      const word = this.scanIdentifier();
      if (word === 'true' || word === 'false') return at('BOOL', word === 'true');
      if (this.json) {
        if (word === 'null') return at('NULL');
        throw new HclScanError(line, column, `invalid token: ${word}`);
      }
      return at('IDENT', word);
    }
    throw new HclScanError(line, column, `illegal char ${JSON.stringify(ch)}`);
  }

  private peek(ahead = 0): string {
    return this.text.charAt(this.offset + ahead);
  }

  private advance(): string {
    const ch = this.text.charAt(this.offset);
    this.offset += 1;
    if (ch === '\n') {
      this.line += 1;
      this.column = 1;
    } else {
      this.column += 1;
    }
    return ch;
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const ch = this.peek();
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\uFEFF') {
        this.advance();
      } else if (!this.json && (ch === '#' || (ch === '/' && this.peek(1) === '/'))) {
        // A line comment never spans a newline: jump to it.
        const end = this.text.indexOf('\n', this.offset);
        const stop = end === -1 ? this.text.length : end;
        this.column += stop - this.offset;
        this.offset = stop;
      } else if (!this.json && ch === '/' && this.peek(1) === '*') {
        const line = this.line;
        const column = this.column;
        this.advance();
        this.advance();
        while (!(this.peek() === '*' && this.peek(1) === '/')) {
          if (this.peek() === '') throw new HclScanError(line, column, 'comment not terminated');
          this.advance();
        }
        this.advance();
        this.advance();
      } else {
        return;
      }
    }
  }

  private scanIdentifier(): string {
    const start = this.offset;
    while (isLetter(this.peek()) || isDigit(this.peek()) || this.peek() === '-' || this.peek() === '.') {
      this.advance();
    }
    return this.text.slice(start, this.offset);
  }

  private scanNumber(line: number, column: number): { kind: 'NUMBER' | 'FLOAT'; value: number } {
    const start = this.offset;
    if (this.peek() === '-') this.advance();
    if (!this.json && this.peek() === '0' && (this.peek(1) === 'x' || this.peek(1) === 'X')) {
      this.advance();
      this.advance();
      while (/[0-9a-zA-Z]/.test(this.peek())) this.advance();
      const raw = this.text.slice(start, this.offset);
      const digits = raw.replace(/^-?0[xX]/, '');
      if (!/^[0-9a-fA-F]+$/.test(digits))
        throw new HclScanError(line, column, `illegal hexadecimal number ${raw}`);
      return { kind: 'NUMBER', value: (raw.startsWith('-') ? -1 : 1) * Number.parseInt(digits, 16) };
    }
    let float = false;
    while (isDigit(this.peek())) this.advance();
    if (this.peek() === '.' && isDigit(this.peek(1))) {
      float = true;
      this.advance();
      while (isDigit(this.peek())) this.advance();
    }
    if (this.peek() === 'e' || this.peek() === 'E') {
      const sign = this.peek(1) === '+' || this.peek(1) === '-' ? 1 : 0;
      if (isDigit(this.peek(1 + sign))) {
        float = true;
        for (let i = 0; i <= sign; i++) this.advance();
        while (isDigit(this.peek())) this.advance();
      }
    }
    const raw = this.text.slice(start, this.offset);
    if (isLetter(this.peek()) || this.peek() === '.') {
      throw new HclScanError(line, column, `illegal number ${raw}${this.peek()}`);
    }
    const unsigned = raw.replace(/^-/, '');
    if (!float && unsigned.length > 1 && unsigned.startsWith('0')) {
      // Go's strconv.ParseInt(s, 0, 0), as HCL 1 uses it: a leading 0 means octal.
      if (!/^0[0-7]+$/.test(unsigned) || this.json)
        throw new HclScanError(line, column, `illegal number ${raw}`);
      return { kind: 'NUMBER', value: (raw.startsWith('-') ? -1 : 1) * Number.parseInt(unsigned, 8) };
    }
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new HclScanError(line, column, `number out of range: ${raw}`);
    return { kind: float ? 'FLOAT' : 'NUMBER', value };
  }

  /** A double-quoted string, escapes decoded. `${...}` spans may hold quotes and are kept as written. */
  private scanString(): string {
    const line = this.line;
    const column = this.column;
    this.advance();
    let out = '';
    let braces = 0;
    for (;;) {
      // Copy a run of ordinary characters in one slice (no per-character string building).
      const runStart = this.offset;
      while (
        braces === 0 &&
        this.offset < this.text.length &&
        plainStringCode(this.text.charCodeAt(this.offset))
      ) {
        this.offset += 1;
      }
      this.column += this.offset - runStart;
      out += this.text.slice(runStart, this.offset);
      const ch = this.peek();
      if (ch === '' || (ch === '\n' && braces === 0)) {
        throw new HclScanError(line, column, 'literal not terminated');
      }
      this.advance();
      if (ch === '"' && braces === 0) return out;
      if (braces === 0 && ch === '$' && this.peek() === '{') {
        braces += 1;
        out += ch + this.advance();
        continue;
      }
      if (braces > 0 && ch === '{') braces += 1;
      if (braces > 0 && ch === '}') braces -= 1;
      if (ch === '\\' && !(this.json && braces > 0)) {
        out += this.scanEscape();
        continue;
      }
      out += ch;
    }
  }

  private scanEscape(): string {
    const line = this.line;
    const column = this.column - 1;
    const ch = this.advance();
    if (!this.json && simpleEscapes[ch] !== undefined) return simpleEscapes[ch];
    if (this.json && Object.hasOwn({ '"': 1, '\\': 1, '/': 1, b: 1, f: 1, n: 1, r: 1, t: 1 }, ch)) {
      return ch === '/' ? '/' : (simpleEscapes[ch] ?? '');
    }
    const hexDigits = ch === 'x' && !this.json ? 2 : ch === 'u' ? 4 : ch === 'U' && !this.json ? 8 : 0;
    if (hexDigits > 0) return this.codePoint(this.take(hexDigits, /[0-9a-fA-F]/), 16, line, column);
    if (!this.json && ch >= '0' && ch <= '7')
      return this.codePoint(ch + this.take(2, /[0-7]/), 8, line, column);
    throw new HclScanError(line, column, 'illegal char escape');
  }

  private take(count: number, pattern: RegExp): string {
    let out = '';
    for (let i = 0; i < count; i++) {
      if (!pattern.test(this.peek())) throw new HclScanError(this.line, this.column, 'illegal char escape');
      out += this.advance();
    }
    return out;
  }

  private codePoint(digits: string, radix: number, line: number, column: number): string {
    const value = Number.parseInt(digits, radix);
    if (value > 0x10ffff)
      throw new HclScanError(line, column, 'escape sequence is invalid Unicode code point');
    return String.fromCodePoint(value);
  }

  /** `<<EOF` ... `EOF` (the marker alone on its line), or `<<-EOF` (marker may be indented). */
  private scanHeredoc(line: number, column: number): string {
    this.advance();
    this.advance();
    const indented = this.peek() === '-';
    if (indented) this.advance();
    if (!isLetter(this.peek())) throw new HclScanError(line, column, 'heredoc expected anchor identifier');
    const anchor = this.scanIdentifier();
    if (this.peek() === '\r') this.advance();
    if (this.peek() !== '\n') throw new HclScanError(line, column, 'invalid characters in heredoc anchor');
    this.advance();
    const lines: string[] = [];
    for (;;) {
      if (this.peek() === '') throw new HclScanError(line, column, 'heredoc not terminated');
      const start = this.offset;
      while (this.peek() !== '' && this.peek() !== '\n') this.advance();
      const text = this.text.slice(start, this.offset).replace(/\r$/, '');
      const trimmed = indented ? text.trimStart() : text;
      if (trimmed === anchor)
        return indented ? unindent(lines, text.slice(0, text.length - anchor.length)) : join(lines);
      lines.push(text);
      if (this.peek() === '') throw new HclScanError(line, column, 'heredoc not terminated');
      this.advance();
    }
  }
}

function join(lines: string[]): string {
  return lines.map((line) => `${line}\n`).join('');
}

/** HCL 1's `<<-`: the closing marker's indentation is removed from every line, if all have it. */
function unindent(lines: string[], prefix: string): string {
  if (!lines.every((line) => line.startsWith(prefix) || line.trim() === '')) return join(lines);
  return join(lines.map((line) => (line.startsWith(prefix) ? line.slice(prefix.length) : line)));
}

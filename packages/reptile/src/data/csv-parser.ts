/**
 * An incremental RFC 4180 CSV tokenizer: text goes in by chunks of any size (a chunk may end
 * inside a quoted field or between \r and \n) and complete rows come out, so a file of any size
 * is parsed without holding it as one string. Quoted fields may contain the delimiter, quotes
 * written as "" and line breaks. Rows end at \n, \r\n or a lone \r; a UTF-8 BOM at the very
 * start is dropped. Positions are 1-based and count characters, for error messages.
 */
export interface CsvRow {
  readonly fields: string[];
  /** Line on which the row starts. */
  readonly line: number;
  /** Column (character position on its line) where each field starts. */
  readonly columns: number[];
}

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

export class CsvParser {
  private field = '';
  private fields: string[] = [];
  private columns: number[] = [];
  private inQuotes = false;
  /** Inside quotes, the last character was a quote: "" continues the field, anything else closes it. */
  private quotePending = false;
  /** After a closing quote: only spaces, a delimiter or a line end may follow. */
  private afterQuote = false;
  private lastCR = false;
  private started = false;
  private line = 1;
  private column = 1;
  private rowLine = 1;
  private fieldColumn = 1;
  private fieldStarted = false;
  private quoteLine = 0;
  private quoteColumn = 0;

  constructor(private readonly delimiter = ',') {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new CsvSyntaxError(
        `delimiter ${JSON.stringify(delimiter)} must be one character other than a quote or line break`,
        1,
        1,
      );
    }
  }

  push(chunk: string): CsvRow[] {
    const rows: CsvRow[] = [];
    let i = 0;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    for (; i < chunk.length; i++) this.consume(chunk[i]!, rows);
    return rows;
  }

  private consume(c: string, rows: CsvRow[]): void {
    const afterCR = this.lastCR;
    this.lastCR = c === '\r';
    if (this.quotePending) {
      this.quotePending = false;
      if (c === '"') {
        this.field += '"';
        this.column++;
        return;
      }
      this.inQuotes = false;
      this.afterQuote = true;
    }
    if (this.inQuotes) {
      if (c === '"') {
        this.quotePending = true;
        this.column++;
        return;
      }
      this.field += c;
      if (c === '\r' || (c === '\n' && !afterCR)) this.newLine();
      else if (c !== '\n') this.column++;
      return;
    }
    if (c === '\n' && afterCR) return; // the second half of \r\n
    if (c === '\n' || c === '\r') {
      this.endRow(rows);
      this.newLine();
      return;
    }
    if (c === this.delimiter) {
      this.endField();
      this.column++;
      return;
    }
    if (this.afterQuote) {
      if (c === ' ' || c === '\t') {
        this.column++;
        return;
      }
      throw new CsvSyntaxError(
        `unexpected ${JSON.stringify(c)} after a closing quote`,
        this.line,
        this.column,
      );
    }
    if (c === '"') {
      if (this.fieldStarted && this.field.trim() !== '') {
        throw new CsvSyntaxError('a quote inside an unquoted field', this.line, this.column);
      }
      this.startField();
      this.field = '';
      this.inQuotes = true;
      this.quoteLine = this.line;
      this.quoteColumn = this.column;
      this.column++;
      return;
    }
    this.startField();
    this.field += c;
    this.column++;
  }

  /** Flushes the last row (a file need not end with a line break). */
  end(): CsvRow[] {
    if (this.quotePending) {
      this.quotePending = false;
      this.inQuotes = false;
      this.afterQuote = true;
    }
    if (this.inQuotes) {
      throw new CsvSyntaxError('a quoted field is never closed', this.quoteLine, this.quoteColumn);
    }
    const rows: CsvRow[] = [];
    this.endRow(rows);
    return rows;
  }

  private startField(): void {
    if (!this.fieldStarted) {
      this.fieldStarted = true;
      this.fieldColumn = this.column;
    }
  }

  private endField(): void {
    this.fields.push(this.field);
    this.columns.push(this.fieldStarted ? this.fieldColumn : this.column);
    this.field = '';
    this.fieldStarted = false;
    this.afterQuote = false;
  }

  private endRow(rows: CsvRow[]): void {
    const blank = this.fields.length === 0 && !this.fieldStarted && !this.afterQuote;
    if (!blank) {
      this.endField();
      rows.push({ fields: this.fields, line: this.rowLine, columns: this.columns });
    }
    this.fields = [];
    this.columns = [];
    this.field = '';
    this.fieldStarted = false;
    this.afterQuote = false;
  }

  private newLine(): void {
    this.line++;
    this.column = 1;
    if (!this.inQuotes) this.rowLine = this.line;
  }
}

/** Formats one row as CSV, quoting fields that need it (the inverse of the parser). */
export function formatCsvRow(fields: readonly string[], delimiter = ','): string {
  return fields
    .map((f) =>
      f.includes(delimiter) || f.includes('"') || f.includes('\n') || f.includes('\r') || f.trim() !== f
        ? `"${f.replaceAll('"', '""')}"`
        : f,
    )
    .join(delimiter);
}

/** Parses a whole string (tests, small inputs). */
export function parseCsv(text: string, delimiter = ','): CsvRow[] {
  const parser = new CsvParser(delimiter);
  return [...parser.push(text), ...parser.end()];
}

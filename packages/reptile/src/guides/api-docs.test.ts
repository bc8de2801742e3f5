import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../../', import.meta.url).pathname;
const ENTRY = join(ROOT, 'packages/reptile/src/index.ts');

/**
 * Exported symbols of `entry` whose declaration has no TSDoc comment: the API reference
 * (`pnpm docs:api`, docs/api/) is generated from these comments, so an undocumented export
 * would be an empty entry there.
 */
function undocumentedExports(entry: string): string[] {
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  return checker
    .getExportsOfModule(module)
    .filter((exported) => {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      return symbol.getDocumentationComment(checker).length === 0;
    })
    .map((s) => s.getName())
    .sort();
}

/**
 * Exports allowed to lack a comment, by file: none. Every export of the index is documented; a
 * new export must come with its comment, and this list must not grow to let it in.
 */
const KNOWN_UNDOCUMENTED: Record<string, readonly string[]> = {};

describe("the API reference's source comments", () => {
  it("every export of packages/reptile's index has a TSDoc comment", () => {
    const known = Object.values(KNOWN_UNDOCUMENTED).flat().sort();
    expect(undocumentedExports(ENTRY)).toEqual(known);
  });
});

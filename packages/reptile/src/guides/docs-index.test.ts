import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DOCS = new URL('../../../../docs/', import.meta.url).pathname;
const GUIDES = [
  'guide-move-a-recipe.md',
  'guide-zookeeper-in-tfjs.md',
  'guide-conformance.md',
  'guide-distributed.md',
  'guide-deploy-onnx.md',
];

/** The relative targets of a markdown file's [text](target) links, without #anchors. */
function relativeLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!.split('#')[0]!)
    .filter((t) => t !== '' && !/^[a-z]+:/.test(t));
}

describe('docs/README.md', () => {
  it('links every document in docs/ (add a line there when you add a page)', () => {
    const linked = new Set(relativeLinks(join(DOCS, 'README.md')));
    const pages = readdirSync(DOCS).filter((f) => f.endsWith('.md') && f !== 'README.md');
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });

  it('and the guides have no broken relative links', () => {
    for (const doc of ['README.md', ...GUIDES]) {
      const file = join(DOCS, doc);
      const broken = relativeLinks(file).filter((t) => !existsSync(join(dirname(file), t)));
      expect(broken, doc).toEqual([]);
    }
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * docs/guide-convert-a-model.md, executed: its Python block makes model.onnx with PyTorch's
 * exporter, and every `pnpm reptile` line of its sh blocks runs as written (in a temp folder, with
 * `pnpm reptile` spelled as the script it runs), so the guide cannot drift from the code.
 */
const ROOT = new URL('../../../', import.meta.url).pathname;
const GUIDE = readFileSync(join(ROOT, 'docs/guide-convert-a-model.md'), 'utf8');
const run = promisify(execFile);

function blocks(lang: string): string[] {
  return [...GUIDE.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
}

describe('guide: convert a model (docs/guide-convert-a-model.md)', () => {
  it('runs the guide: torch.onnx.export → tfjs → TorchScript → Reptile, verified, then `reptile run`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-guide-convert-'));
    const [python] = blocks('python');
    await run('python3', ['-c', python!], { cwd: dir });
    const lines = blocks('sh')
      .flatMap((b) => b.split('\n'))
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l.length > 0);
    expect(lines.filter((l) => l.startsWith('pnpm reptile')).length).toBe(4);
    const outputs: string[] = [];
    for (const line of lines) {
      if (line.startsWith('echo ')) {
        const json = line.slice("echo '".length, line.lastIndexOf("' > "));
        const file = line.slice(line.lastIndexOf('> ') + 2);
        await run('sh', ['-c', `printf '%s' '${json}' > ${file}`], { cwd: dir });
        continue;
      }
      const args = line.replace(/^pnpm reptile /, '').split(/\s+/);
      const { stdout } = await run(
        join(ROOT, 'node_modules/.bin/tsx'),
        [join(ROOT, 'packages/cli/src/main.ts'), ...args],
        {
          cwd: dir,
          maxBuffer: 1 << 24,
        },
      );
      outputs.push(stdout);
    }
    expect(outputs[0]).toMatch(
      /converted model\.onnx \(onnx\) → model_tfjs \(tfjs\): 4 layers, 690 parameters/,
    );
    expect(outputs[0]).toMatch(/verify: tfjs-layers vs onnxruntime on inputs \[2,1,8,8\]: max abs error/);
    expect(outputs[0]).toContain('verify: OK (tolerance 0.0001)');
    expect(outputs[1]).toContain('verify: PyTorch (torch.jit.load) vs tfjs-layers');
    expect(outputs[1]).toContain('verify: OK');
    expect(outputs[2]).toMatch(/→ model\.reptile\.json \(reptile\)/);
    expect(outputs[3]).toMatch(/wrote out\.json: \S+ \[1,10\] \(frontend onnx\)/);
    const out = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as {
      shape: number[];
      data: number[];
    };
    expect(out.shape).toEqual([1, 10]);
    // Softmax output: a probability distribution.
    expect(Math.abs(out.data.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
  }, 240_000);
});

import { spawnSync } from 'node:child_process';

const INSTALL = 'install Python 3 and the checker with `python3 -m pip install onnx==1.23.2`';

const SCRIPT = `
import sys
try:
    import onnx
except ImportError as e:
    print("MISSING onnx: " + str(e)); sys.exit(3)
for path in sys.argv[1:]:
    onnx.checker.check_model(onnx.load(path), full_check=True)
    print("ok " + path)
`;

/**
 * Runs the official ONNX checker (`onnx.checker.check_model(model, full_check=True)`, which also
 * runs shape inference) on files. Throws — never skips — when Python or the onnx package is
 * missing, naming what to install.
 */
export function checkWithOnnx(paths: readonly string[]): string {
  const run = spawnSync('python3', ['-c', SCRIPT, ...paths], { encoding: 'utf8', timeout: 120_000 });
  if (run.error) throw new Error(`could not run python3 (${run.error.message}): ${INSTALL}`);
  if (run.status === 3)
    throw new Error(`the Python onnx package is missing (${run.stdout.trim()}): ${INSTALL}`);
  if (run.status !== 0) throw new Error(`onnx.checker rejected a model:\n${run.stderr || run.stdout}`);
  return run.stdout;
}

/**
 * The demo from a shell, until the CLI wires `pnpm reptile demo` to `runDemo`:
 *   pnpm exec tsx packages/reptile/src/demo/main.ts [--dir DIR] [--epochs N] [--frontend NAME]
 */
import { runDemo } from './run-demo.ts';

const arg = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const dir = arg('dir');
const epochs = arg('epochs');
const frontend = arg('frontend');
await runDemo({
  ...(dir ? { dir } : {}),
  ...(epochs ? { epochs: Number(epochs) } : {}),
  ...(frontend ? { frontend } : {}),
});

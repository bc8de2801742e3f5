import './builtin.ts';

/**
 * The frontend a Model uses when none is named: the fastest one that needs nothing beyond
 * `pnpm install`, chosen by measurement (measure.ts; packages/reptile/README.md, "Choosing the
 * default frontend"). On the founding example at batch 2, 'onnx' runs ~6× the steps per second
 * of 'reference' and ~4× 'tfjs-wasm'.
 */
let current = 'onnx';

export function defaultFrontend(): string {
  return current;
}

export function setDefaultFrontend(name: string): void {
  current = name;
}

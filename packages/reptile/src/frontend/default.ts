import './builtin.ts';

// The measured default (see defaultFrontend), until setDefaultFrontend replaces it.
let current = 'onnx';

/**
 * The name of the frontend a Model uses when none is named: 'onnx' unless setDefaultFrontend
 * changed it. 'onnx' is the fastest frontend that needs nothing beyond `pnpm install`, chosen by
 * measurement (measure.ts; packages/reptile/README.md, "Choosing the default frontend"). On the
 * founding example at batch 2, 'onnx' runs ~6× the steps per second of 'reference' and ~4×
 * 'tfjs-wasm'.
 */
export function defaultFrontend(): string {
  return current;
}

/**
 * Makes `name` the frontend of every Model constructed from now on without one; models already
 * constructed keep theirs. The name is not checked here: an unregistered one fails when such a
 * model first trains, evaluates or predicts (see registeredFrontends).
 */
export function setDefaultFrontend(name: string): void {
  current = name;
}

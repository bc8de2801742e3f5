import { registerFrontend } from './frontend.ts';
import { ReferenceFrontend } from './reference.ts';

registerFrontend('reference', () => new ReferenceFrontend());

/**
 * The frontend a Model uses when none is named: the fastest one that needs nothing beyond
 * `pnpm install`, chosen by measurement (packages/reptile/README.md, "Choosing the default
 * frontend"). Today only 'reference' is registered by this package; when the ONNX adapter
 * registers 'onnx' and measures faster on the founding example, the lead switches the default
 * here with `setDefaultFrontend('onnx')`.
 */
let current = 'reference';

export function defaultFrontend(): string {
  return current;
}

export function setDefaultFrontend(name: string): void {
  current = name;
}

import { registerFrontend } from './frontend.ts';
import { ReferenceFrontend } from './reference.ts';

/**
 * The frontends this package ships. Each adapter loads on first use, so a model on 'reference'
 * never starts onnxruntime, tfjs or a Python worker. 'tfjs' is the faster of its two backends
 * as measured on the founding example (measure.ts): wasm.
 */
registerFrontend('reference', () => new ReferenceFrontend());
registerFrontend('onnx', async () => (await import('./onnx.ts')).onnxFrontend());
registerFrontend('tfjs-cpu', async () => (await import('./tfjs.ts')).tfjsFrontend('cpu'));
registerFrontend('tfjs-wasm', async () => (await import('./tfjs.ts')).tfjsFrontend('wasm'));
registerFrontend('tfjs', async () => (await import('./tfjs.ts')).tfjsFrontend('wasm', 'tfjs'));
registerFrontend('torch', async () => (await import('./torch.ts')).torchFrontend());

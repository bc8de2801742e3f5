import { registerExporter } from '../frontend/exporters.ts';
import { exportOnnx } from './onnx-export.ts';

// Imported by the package index for this side effect, so `model.export('model.onnx')` works
// whenever 'reptile' is imported (listed in package.json "sideEffects").
registerExporter('onnx', (model, path) => exportOnnx(model, path));

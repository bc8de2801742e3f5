import { registerExporter } from '../frontend/exporters.ts';
import { exportTfjsFolder, exportTorchScriptFile } from './layer-formats.ts';
import { exportOnnx } from './onnx-export.ts';

// Imported by the package index for this side effect, so `model.export('model.onnx' | 'model.pt'
// | 'dir/model.json')` works whenever 'reptile' is imported (listed in package.json "sideEffects").
registerExporter('onnx', (model, path) => exportOnnx(model, path));
registerExporter('torchscript', (model, path) => exportTorchScriptFile(model, path));
registerExporter('tfjs', (model, path) => exportTfjsFolder(model, path));

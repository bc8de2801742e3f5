import { runDemo } from 'reptile';
import { type Command, intFlag, parseFlags, stringFlag } from '../command.ts';

/** The README's first Quick start: the founding example on real MNIST digits. */
export const demoCommand: Command = {
  name: 'demo',
  summary:
    'the founding example: write MNIST CSVs, train Dense 128-64-10 with ZooKeeper, evaluate, export ONNX',
  usage: [
    'usage: reptile demo [--dir DIR] [--epochs N] [--frontend NAME]',
    '',
    '  --dir DIR        where train_data.csv, test_data.csv, history.svg and model.onnx go',
    '                   (default .reptile-out/demo)',
    '  --epochs N       training epochs (default 10, as in the founding example)',
    '  --frontend NAME  the Model frontend: onnx (the default, measured fastest), reference, tfjs-cpu, tfjs-wasm, tfjs, torch',
  ].join('\n'),
  async run(args) {
    const { values } = parseFlags(args, {
      dir: { type: 'string' },
      epochs: { type: 'string' },
      frontend: { type: 'string' },
    });
    const frontend = stringFlag(values.frontend);
    await runDemo({
      dir: stringFlag(values.dir) ?? '.reptile-out/demo',
      ...(values.epochs === undefined ? {} : { epochs: intFlag(values.epochs, 'epochs', 10) }),
      ...(frontend ? { frontend } : {}),
    });
    return 0;
  },
};

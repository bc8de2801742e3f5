import { predictWithOnnx } from 'reptile';
import { type Command, parseFlags, stringFlag } from '../command.ts';

/** Serves predictions from an exported model through onnxruntime. */
export const predictCommand: Command = {
  name: 'predict',
  summary: 'predict classes for the rows of a CSV with an exported .onnx model (onnxruntime)',
  usage: [
    'usage: reptile predict MODEL.onnx INPUT.csv [--label NAME]',
    '',
    '  prints one line per row: the predicted class and its probability; with a label column',
    '  (default: a column named "label", else the last column when it is one too many) also the accuracy',
    '  --label NAME  the label column, ignored for prediction',
  ].join('\n'),
  async run(args, io) {
    const { values, positionals } = parseFlags(args, { label: { type: 'string' } }, { min: 2, max: 2 });
    const label = stringFlag(values.label);
    const result = await predictWithOnnx(positionals[0]!, positionals[1]!, label ? { label } : {});
    result.rows.forEach((row, i) => {
      io.out(`${i}\t${row.class}\t${(row.probabilities[row.class] ?? Number.NaN).toFixed(4)}`);
    });
    if (result.accuracy !== undefined)
      io.out(`accuracy ${result.accuracy.toFixed(4)} on ${result.rows.length} rows`);
    return 0;
  },
};

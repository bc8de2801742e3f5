import { parseFrontend, RUN_FRONTENDS, readTensorFile, runModelFile, tensorsToJson } from '@reptile/convert';
import { writeFileAtomic } from 'reptile';
import { type Command, parseFlags, stringFlag, UsageError } from '../command.ts';

/** Runs any supported model file on any frontend, tensors in and out as JSON. */
export const runCommand: Command = {
  name: 'run',
  summary: 'run a model file (.onnx, .pt, tfjs folder, .reptile.json) on any frontend',
  usage: [
    'usage: reptile run MODEL --input IN.json --output OUT.json [--frontend F]',
    '',
    '  IN.json holds one tensor {"shape": [...], "data": [...]} (float32; "dtype": "int32" for',
    '  indices) or {"inputName": tensor, ...}; OUT.json mirrors the model\'s outputs the same way',
    `  --frontend F  ${RUN_FRONTENDS.join(' | ')} (default reference)`,
  ].join('\n'),
  async run(args, io) {
    const flags = {
      input: { type: 'string' },
      output: { type: 'string' },
      frontend: { type: 'string' },
    } as const;
    const { values, positionals } = parseFlags(args, flags, { min: 1, max: 1 });
    const input = stringFlag(values.input);
    const output = stringFlag(values.output);
    if (!input) throw new UsageError('--input IN.json is required');
    if (!output) throw new UsageError('--output OUT.json is required');
    const frontend = parseFrontend(stringFlag(values.frontend) ?? 'reference', '--frontend');
    const outputs = await runModelFile(positionals[0]!, readTensorFile(input, 'input'), frontend);
    await writeFileAtomic(output, `${JSON.stringify(tensorsToJson(outputs))}\n`);
    const summary = Object.entries(outputs).map(([n, t]) => `${n} [${t.shape}]`);
    io.out(`wrote ${output}: ${summary.join(', ')} (frontend ${frontend})`);
    return 0;
  },
};

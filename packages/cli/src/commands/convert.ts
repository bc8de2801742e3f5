import { convertModel, parseFormat } from '@reptile/convert';
import { type Command, parseFlags, stringFlag, UsageError } from '../command.ts';

function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n))
    throw new UsageError(`${flag} needs a positive number, got '${value}'`);
  return n;
}

/** Converts a model file between formats, optionally verifying it on both runtimes. */
export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert a model between tfjs, ONNX, TorchScript and Reptile (--verify compares outputs)',
  usage: [
    'usage: reptile convert IN OUT [--from F] [--to F] [--verify] [--tolerance T] [--batch N] [--seed S]',
    '',
    '  formats are inferred from paths: .onnx, .pt/.pth (torchscript), .reptile.json, a folder or',
    '  model.json (tfjs); --from/--to name them: onnx, tfjs, torchscript (torch, pt), reptile',
    '  --verify      run IN and OUT on the same random inputs, each on its own runtime',
    '                (onnxruntime, tfjs-layers, PyTorch, Reptile), and report max abs/rel error;',
    '                exits 1 when |out − in| > T · (1 + |in|) anywhere',
    '  --tolerance T default 1e-4',
    '  --batch N     batch size of an ONNX output graph (default 1) and of the verification inputs',
    '  --seed S      seed of the verification inputs (default 1)',
  ].join('\n'),
  async run(args, io) {
    const flags = {
      from: { type: 'string' },
      to: { type: 'string' },
      verify: { type: 'boolean' },
      tolerance: { type: 'string' },
      batch: { type: 'string' },
      seed: { type: 'string' },
    } as const;
    const { values, positionals } = parseFlags(args, flags, { min: 2, max: 2 });
    const from = stringFlag(values.from);
    const to = stringFlag(values.to);
    const tolerance = positiveNumber(stringFlag(values.tolerance), '--tolerance');
    const batch = positiveNumber(stringFlag(values.batch), '--batch');
    if (batch !== undefined && !Number.isInteger(batch)) throw new UsageError('--batch needs an integer');
    const seed = stringFlag(values.seed);
    const report = await convertModel(positionals[0]!, positionals[1]!, {
      ...(from ? { from: parseFormat(from, '--from') } : {}),
      ...(to ? { to: parseFormat(to, '--to') } : {}),
      verify: values.verify === true,
      ...(tolerance !== undefined ? { tolerance } : {}),
      ...(batch !== undefined ? { batchSize: batch } : {}),
      ...(seed !== undefined ? { seed: Number(seed) } : {}),
    });
    io.out(
      `converted ${positionals[0]} (${report.from}) → ${positionals[1]} (${report.to}): ${report.layers} layers, ${report.parameters} parameters`,
    );
    const v = report.verification;
    if (!v) return 0;
    io.out(
      `verify: ${v.runtimes[0]} vs ${v.runtimes[1]} on inputs ${v.inputShapes.map((s) => `[${s}]`).join(', ')}: ` +
        `max abs error ${v.maxAbs.toExponential(3)}, max rel error ${v.maxRel.toExponential(3)} over ${v.count} values`,
    );
    if (v.ok) {
      io.out(`verify: OK (tolerance ${v.tolerance})`);
      return 0;
    }
    io.err(
      `verify: FAILED: output '${v.worst.output}'[${v.worst.index}] is ${v.worst.got}, the original gives ${v.worst.want} (tolerance ${v.tolerance})`,
    );
    return 1;
  },
};

import { type Command, intFlag, parseFlags } from '../command.ts';
import { DEFAULT_DEMO_OPTIONS, DEMO_RECIPE, runDemo } from '../demo/train.ts';

export const recipeDemoCommand: Command = {
  name: 'recipe-demo',
  summary: 'train a small MLP on 3-class spirals with a recipe on the reference frontend',
  usage: [
    'usage: reptile recipe-demo [--epochs N] [--seed S]',
    '',
    `  --epochs N   training epochs (default ${DEFAULT_DEMO_OPTIONS.epochs})`,
    `  --seed S     dataset and initialisation seed (default ${DEFAULT_DEMO_OPTIONS.seed})`,
  ].join('\n'),
  async run(args, io) {
    const { values } = parseFlags(args, { epochs: { type: 'string' }, seed: { type: 'string' } });
    const options = {
      ...DEFAULT_DEMO_OPTIONS,
      epochs: intFlag(values.epochs, 'epochs', DEFAULT_DEMO_OPTIONS.epochs),
      seed: intFlag(values.seed, 'seed', DEFAULT_DEMO_OPTIONS.seed),
    };
    const { pointsPerClass, hidden, batchSize } = options;
    io.out(`recipe: ${JSON.stringify(DEMO_RECIPE)}`);
    io.out(
      `data: 3-class spirals, ${3 * pointsPerClass} points; model: 2 → ${hidden} (relu) → 3; batch ${batchSize}`,
    );
    const result = runDemo(options, io.out);
    io.out(
      `train accuracy ${(100 * result.accuracy).toFixed(1)}% in ${(result.elapsedMs / 1000).toFixed(2)} s`,
    );
    return 0;
  },
};

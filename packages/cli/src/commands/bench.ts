import { DEFAULT_BENCH_OPTIONS } from '../bench/bench.ts';
import { formatBenchTable, runSuite, SUITES } from '../bench/suites.ts';
import { type Command, intFlag, parseFlags, stringFlag, UsageError } from '../command.ts';
import { writeJsonAtomic } from '../workspace.ts';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run a benchmark suite against its peer implementations and print ratios',
  usage: [
    'usage: reptile bench <suite> [--json FILE] [--size N] [--tensors K] [--runs N] [--warmup N] [--seed S]',
    '',
    `  suites: ${[...SUITES.values()].map((s) => `${s.name} (${s.description})`).join('; ')}`,
    '  --json FILE    also write {suite, results:[{name, value, unit, peer, peerValue, ratio, target, maxAbsDiff}]}',
    `  --size N       total parameters per optimizer benchmark (default ${DEFAULT_BENCH_OPTIONS.size})`,
    `  --tensors K    tensors the parameters are split into (default ${DEFAULT_BENCH_OPTIONS.tensors})`,
    `  --runs N       timed rounds; the median is reported (default ${DEFAULT_BENCH_OPTIONS.runs})`,
    `  --warmup N     untimed rounds first (default ${DEFAULT_BENCH_OPTIONS.warmup})`,
    `  --seed S       data seed (default ${DEFAULT_BENCH_OPTIONS.seed})`,
    '',
    'ratio = Reptile over peer, higher is better (peer time / Reptile time). Missing a target is',
    'reported, not an error: timings depend on the machine. A wrong result (Reptile and the peer',
    'disagree) is an error, exit 1.',
  ].join('\n'),
  async run(args, io) {
    const { values, positionals } = parseFlags(
      args,
      {
        json: { type: 'string' },
        size: { type: 'string' },
        tensors: { type: 'string' },
        runs: { type: 'string' },
        warmup: { type: 'string' },
        seed: { type: 'string' },
      },
      { min: 1, max: 1 },
    );
    const name = positionals[0]!;
    const suite = SUITES.get(name);
    if (!suite) throw new UsageError(`unknown suite '${name}' (suites: ${[...SUITES.keys()].join(', ')})`);
    const d = DEFAULT_BENCH_OPTIONS;
    const options = {
      size: intFlag(values.size, 'size', d.size),
      tensors: intFlag(values.tensors, 'tensors', d.tensors),
      runs: intFlag(values.runs, 'runs', d.runs),
      warmup: values.warmup === '0' ? 0 : intFlag(values.warmup, 'warmup', d.warmup),
      seed: intFlag(values.seed, 'seed', d.seed),
    };
    io.out(
      suite.name === 'core'
        ? `suite ${suite.name}: ${options.size} params in ${options.tensors} tensors, median of ${options.runs} runs`
        : `suite ${suite.name} (sizes as each entry names them)`,
    );
    const report = await runSuite(suite, options, (r) =>
      io.out(
        `  ${r.name}: verified (max |diff| ${r.maxAbsDiff?.toExponential(1) ?? '-'}), ratio ${r.ratio.toFixed(3)}`,
      ),
    );
    io.out('');
    io.out(formatBenchTable(report.results));
    for (const r of report.results) {
      if (r.target !== undefined) {
        io.out(
          `${r.name}: ratio ${r.ratio.toFixed(3)} — target ≥ ${r.target} ${r.ratio >= r.target ? 'met' : 'NOT met'}`,
        );
      }
    }
    const json = stringFlag(values.json);
    if (json) {
      writeJsonAtomic(json, report);
      io.out(`results written to ${json}`);
    }
    return 0;
  },
};

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, parseFlags, splitList, stringFlag, UsageError } from '../command.ts';
import { ReptileError, resultsToJson, runConformance, writeJsonAtomic } from '../workspace.ts';

const CONFORMANCE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../conformance');

export const conformanceCommand: Command = {
  name: 'conformance',
  summary: 'replay the conformance cases on every frontend adapter and print the matrix',
  usage: [
    'usage: reptile conformance [--cases DIR ...] [--adapters NAME,...] [--json FILE]',
    '',
    '  --cases DIR       case file or directory, searched recursively (repeatable; default conformance/cases)',
    '  --adapters LIST   comma-separated adapter names (default: every available registered adapter)',
    '  --known DIR       directory of <adapter>.json known skip/xfail lists (default conformance/known)',
    '  --json FILE       also write {results:[{case, adapter, status, maxAbsErr, maxRelErr, reason?}]}',
    '',
    'Exits 1 if any case fails or if no case ran.',
  ].join('\n'),
  async run(args, io) {
    const { values } = parseFlags(args, {
      cases: { type: 'string', multiple: true },
      adapters: { type: 'string', multiple: true },
      known: { type: 'string' },
      json: { type: 'string' },
    });
    const cases = (values.cases as string[] | undefined) ?? [join(CONFORMANCE_DIR, 'cases')];
    const adapters = splitList(values.adapters);
    const run = await runConformance({
      cases,
      ...(adapters ? { adapters } : {}),
      knownDir: stringFlag(values.known) ?? join(CONFORMANCE_DIR, 'known'),
    }).catch((err: unknown) => {
      // A bad flag value (unknown adapter, missing case directory) is a usage error, not a failure.
      if (err instanceof ReptileError && err.where?.startsWith('--')) throw new UsageError(err.message);
      throw err;
    });
    const json = stringFlag(values.json);
    if (json) {
      writeJsonAtomic(json, resultsToJson(run.results));
      io.err(`results written to ${json}`);
    }
    io.out(run.report);
    return run.ok ? 0 : 1;
  },
};

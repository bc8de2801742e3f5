import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHtmlReport } from '@reptile/conformance';
import { type Command, parseFlags, splitList, stringFlag, UsageError } from '../command.ts';
import { ReptileError, resultsToJson, runConformance, writeJsonAtomic } from '../workspace.ts';

const CONFORMANCE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../conformance');

export const conformanceCommand: Command = {
  name: 'conformance',
  summary: 'replay the conformance cases on every frontend adapter and print the matrix',
  usage: [
    'usage: reptile conformance [--cases DIR ...] [--adapters NAME,...] [--json FILE] [--html FILE]',
    '',
    '  --cases DIR       case file or directory, searched recursively (repeatable; default conformance/cases)',
    '  --adapters LIST   comma-separated adapter names (default: every available registered adapter)',
    '  --known DIR       directory of <adapter>.json known skip/xfail lists (default conformance/known)',
    '  --json FILE       also write {results:[{case, adapter, status, maxAbsErr, maxRelErr, reason?}]}',
    '  --html FILE       also write a standalone HTML page: the matrix coloured by status and by error',
    '                    relative to each case tolerance, with the numbers and reasons in tooltips',
    '',
    'Exits 1 if any case fails or if no case ran.',
  ].join('\n'),
  async run(args, io) {
    const { values } = parseFlags(args, {
      cases: { type: 'string', multiple: true },
      adapters: { type: 'string', multiple: true },
      known: { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
    });
    const cases = (values.cases as string[] | undefined) ?? [join(CONFORMANCE_DIR, 'cases')];
    const adapters = splitList(values.adapters);
    const html = stringFlag(values.html);
    // Checked before the run, which can take a minute: a bad path should not cost the results.
    if (html && !existsSync(dirname(resolve(html)))) {
      throw new UsageError(`--html: directory ${dirname(resolve(html))} does not exist — create it first`);
    }
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
    if (html) {
      writeHtmlReport(html, {
        cases: run.cases,
        adapters: run.adapters.map((a) => a.name),
        results: run.results,
        subtitle: new Date().toISOString(),
        text: run.report,
      });
      io.err(`HTML report written to ${html}`);
    }
    io.out(run.report);
    return run.ok ? 0 : 1;
  },
};

import { NODE_TEST_FRONTENDS, type NodeTestFrontend, runOnnxNodeTests } from '@reptile/onnx';
import { type Command, parseFlags, splitList, stringFlag, UsageError } from '../command.ts';

/** ONNX's own operator tests (../shared/onnx-node-tests/node) through Reptile's importer. */
export const onnxNodeTestsCommand: Command = {
  name: 'onnx-node-tests',
  summary: "run ONNX's operator test cases through the ONNX importer on each frontend",
  usage: [
    'usage: reptile onnx-node-tests [--frontends LIST] [--filter TEXT] [--verbose]',
    '',
    `  --frontends LIST  comma-separated: ${NODE_TEST_FRONTENDS.join(', ')} (default: all)`,
    '  --filter TEXT     only cases whose name contains TEXT',
    '  --verbose         list every excluded case with its reason',
    '',
    '  prints per frontend: passed / in scope, failures with their messages, exclusions by reason;',
    '  exits 1 on any failure not listed in adapters/onnx/src/import/node-tests-known.json',
  ].join('\n'),
  async run(args, io) {
    const { values } = parseFlags(args, {
      frontends: { type: 'string', multiple: true },
      filter: { type: 'string' },
      verbose: { type: 'boolean' },
    });
    const frontends = (splitList(values.frontends) ?? [...NODE_TEST_FRONTENDS]).map((f) => {
      if (!(NODE_TEST_FRONTENDS as readonly string[]).includes(f))
        throw new UsageError(`unknown frontend '${f}' (known: ${NODE_TEST_FRONTENDS.join(', ')})`);
      return f as NodeTestFrontend;
    });
    const filter = stringFlag(values.filter);
    let unexpected = 0;
    let passedTotal = 0;
    let failedTotal = 0;
    for (const frontend of frontends) {
      const report = await runOnnxNodeTests({ frontend, ...(filter ? { filter } : {}) });
      passedTotal += report.passed.length;
      failedTotal += report.failed.length;
      unexpected += report.unexpected.length;
      io.out(
        `${frontend}: ${report.passed.length}/${report.inScope} in-scope cases passed (${(100 * report.passRate).toFixed(1)}%), ` +
          `${report.excluded.length} excluded, ${report.seconds.toFixed(1)} s`,
      );
      for (const f of report.failed) io.out(`  FAIL ${f.case}: ${f.reason}`);
      for (const s of report.stale) io.out(`  STALE known failure now passes: ${s}`);
      const reasons = new Map<string, number>();
      for (const e of report.excluded) reasons.set(e.reason, (reasons.get(e.reason) ?? 0) + 1);
      for (const [reason, n] of reasons) io.out(`  excluded ${n}: ${reason}`);
      if (values.verbose === true) for (const e of report.excluded) io.out(`    ${e.case}: ${e.reason}`);
    }
    io.out(`${passedTotal} passed, ${failedTotal} failed`);
    return unexpected > 0 ? 1 : 0;
  },
};

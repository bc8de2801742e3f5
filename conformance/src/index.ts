export type { ConformanceAdapter } from './adapter.ts';
export { createReferenceAdapter } from './adapters/reference.ts';
export type {
  Case,
  CaseKind,
  LossCase,
  OptimizerCase,
  RegularizerCase,
  ScheduleCase,
  Tolerance,
  ZooKeeperCase,
} from './case.ts';
export { CASE_KINDS, DEFAULT_TOLERANCE, parseCase, parseCaseFile } from './case.ts';
export type { HostTensor } from './host-tensor.ts';
export { hostTensor, hostTensorToJson, parseExpectedTensor, parseHostTensor } from './host-tensor.ts';
export type { KnownEntry, KnownList } from './known.ts';
export { parseKnownList } from './known.ts';
export { findCaseFiles, loadCases, loadKnownList } from './load.ts';
export type { AdapterEntry } from './registry.ts';
export { ADAPTERS, resolveAdapters } from './registry.ts';
export { BANDS, bandOf, type CellStatus } from './report/cell.ts';
export { type HtmlReportInput, renderHtmlReport, writeHtmlReport } from './report/html.ts';
export { countResults, formatTable, resultsToJson, summaryLine, writeJsonAtomic } from './report.ts';
export type { ConformanceOptions, ConformanceRun } from './run.ts';
export { runConformance } from './run.ts';
export type { CaseResult, Status } from './runner.ts';
export { runCase, runMatrix } from './runner.ts';
export { settle } from './settle.ts';
export { Comparer, isClose } from './tolerance.ts';

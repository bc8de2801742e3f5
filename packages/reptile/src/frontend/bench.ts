import { DEFAULT_BATCH_SIZE } from '../model/fit.ts';
import { ELIGIBLE_FRONTENDS, type FrontendTiming, measureFrontends } from './measure.ts';

/**
 * The `frontends` bench suite: steps/s of the founding example's network on every frontend that
 * may be the default, measured side by side in one run (measure.ts), each compared with
 * 'reference'. The numbers come from one shared measurement, so the ratios are like for like.
 */
export interface FrontendBenchEntry {
  readonly name: string;
  readonly description: string;
  run(): Promise<{
    value: number;
    unit: string;
    peer: string;
    peerValue: number;
    ratio: number;
  }>;
}

let measured: Promise<FrontendTiming[]> | undefined;

export const FRONTEND_BENCH: readonly FrontendBenchEntry[] = ELIGIBLE_FRONTENDS.map((frontend) => ({
  name: `founding.${frontend}`,
  description: `founding example (784→128→64→10, ZooKeeper, batch ${DEFAULT_BATCH_SIZE}) train steps/s on '${frontend}' vs 'reference'`,
  async run() {
    measured ??= measureFrontends();
    const timings = await measured;
    const mine = timings.find((t) => t.frontend === frontend)!;
    const reference = timings.find((t) => t.frontend === 'reference')!;
    return {
      value: mine.stepsPerSecond,
      unit: 'steps/s',
      peer: 'reference',
      peerValue: reference.stepsPerSecond,
      ratio: mine.stepsPerSecond / reference.stepsPerSecond,
    };
  },
}));

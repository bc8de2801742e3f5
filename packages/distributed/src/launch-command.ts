import { ReptileError } from './core.ts';
import { startLaunch } from './launch.ts';
import { type LaunchOptions, TRANSPORTS, type TransportName } from './launch-types.ts';

/** Where the command writes (the CLI's Io). */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `usage: reptile launch -n N [--transport local|mpi] [--hostfile F] [--timeout MS]
                      [--stop-grace MS] [--mca KEY VALUE]... [--] script [args...]

Starts N workers of a training script and prints their output as "[rank r] line".

  -n, -np, --np N     number of workers (ranks)
  --transport T       local (default): N worker threads of this process sharing memory, needs
                      nothing installed; mpi: mpirun -np N (Open MPI), across hosts with --hostfile
  --hostfile F        MPI hostfile listing the hosts and their slots (mpi only)
  --timeout MS        a collective waiting longer than this for a peer fails naming it
                      (default 300000; mpi: only when given, mpirun already stops on a death)
  --stop-grace MS     after a rank fails, time the others get to stop before being killed
                      (default 10000)
  --mca KEY VALUE     passed to mpirun, e.g. --mca btl tcp,self (mpi only)

The script finds its rank with connect() from @reptile/distributed; run alone (plain node) it is
rank 0 of 1. Flags after the script belong to the script. Exit code: 0 when every rank
succeeded, else the failing rank's code; 2 for a usage error.`;

/** Parses `launch` arguments; throws ReptileError with the usage problem. */
export function parseLaunchArgs(args: readonly string[]): LaunchOptions {
  let n: number | undefined;
  let transport: TransportName = 'local';
  let hostfile: string | undefined;
  let timeoutMs: number | undefined;
  let stopGraceMs: number | undefined;
  const mpirunArgs: string[] = [];
  let i = 0;
  const value = (flag: string): string => {
    const v = args[++i];
    if (v === undefined) throw new ReptileError(`${flag} needs a value`, { where: 'launch' });
    return v;
  };
  const positive = (flag: string, raw: string): number => {
    const v = Number(raw);
    if (!/^\d+$/.test(raw) || v < 1) {
      throw new ReptileError(`${flag} expects a positive integer, got '${raw}'`, { where: 'launch' });
    }
    return v;
  };
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-')) break;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const get = () => inline ?? value(flag);
    switch (flag) {
      case '-n':
      case '-np':
      case '--np':
        n = positive(flag, get());
        break;
      case '--transport': {
        const t = get();
        if (!TRANSPORTS.includes(t as TransportName)) {
          throw new ReptileError(`unknown transport '${t}' (use ${TRANSPORTS.join(' or ')})`, {
            where: 'launch --transport',
          });
        }
        transport = t as TransportName;
        break;
      }
      case '--hostfile':
        hostfile = get();
        break;
      case '--timeout':
        timeoutMs = positive(flag, get());
        break;
      case '--stop-grace':
        stopGraceMs = positive(flag, get());
        break;
      case '--mca':
        mpirunArgs.push('--mca', value(flag), value(flag));
        break;
      default:
        throw new ReptileError(`unknown flag '${arg}'`, { where: 'launch' });
    }
  }
  const script = args[i];
  if (n === undefined) throw new ReptileError('missing -n N (the number of workers)', { where: 'launch' });
  if (script === undefined) throw new ReptileError('missing the script to run', { where: 'launch' });
  if (hostfile !== undefined && transport !== 'mpi') {
    throw new ReptileError('--hostfile needs --transport mpi', { where: 'launch' });
  }
  if (mpirunArgs.length > 0 && transport !== 'mpi') {
    throw new ReptileError('--mca needs --transport mpi', { where: 'launch' });
  }
  return {
    n,
    transport,
    script,
    args: args.slice(i + 1),
    ...(hostfile === undefined ? {} : { hostfile }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(stopGraceMs === undefined ? {} : { stopGraceMs }),
    ...(mpirunArgs.length === 0 ? {} : { mpirunArgs }),
  };
}

/**
 * The CLI's `launch` command, shaped like packages/cli's Command (name, summary, usage, run), so
 * the CLI adds it to its command list with one line.
 */
export const launchCommand = {
  name: 'launch',
  summary: 'run a training script on N workers (local threads or mpirun), output prefixed by rank',
  usage: USAGE,
  async run(args: readonly string[], io: CommandIo): Promise<number> {
    let options: LaunchOptions;
    try {
      options = parseLaunchArgs(args);
    } catch (err) {
      io.err(`error: ${(err as Error).message}`);
      io.err('');
      io.err(USAGE);
      return 2;
    }
    const result = await startLaunch({
      ...options,
      onLine: (line, stream, rank) => {
        const text = `${rank === undefined ? '[launch]' : `[rank ${rank}]`} ${line}`;
        if (stream === 'stdout') io.out(text);
        else io.err(text);
      },
    }).done;
    if (result.failure) {
      io.err(`error: ${result.failure.message}; the other ranks were stopped (their errors are above)`);
    }
    return result.code;
  },
};

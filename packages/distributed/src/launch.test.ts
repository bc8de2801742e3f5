import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLaunch } from './launch.ts';
import { launchCommand, parseLaunchArgs } from './launch-command.ts';
import { lineSplitter } from './launch-types.ts';
import { loadMpiAddon } from './mpi/addon.ts';
import { failedRankIn, mpirunArgs } from './mpi/run-mpirun.ts';
import { scriptRunner } from './script-runner.ts';
import { ensureMpiAddon, tempDir, WORKERS } from './testing/run-worker.ts';

const ECHO = new URL('./testing/echo-worker.ts', import.meta.url).pathname;

describe('mpirunArgs', () => {
  const runner = { script: '/w/train.js', nodeArgs: [], tsxApi: undefined };

  it('builds `mpirun -np N` with root and oversubscription flags only when needed', () => {
    expect(
      mpirunArgs({ n: 4, script: 'x', args: ['--epochs', '3'] }, runner, { isRoot: true, cores: 2 }),
    ).toEqual([
      '-np',
      '4',
      '--allow-run-as-root',
      '--oversubscribe',
      '--tag-output',
      '-x',
      'REPTILE_TRANSPORT',
      process.execPath,
      '/w/train.js',
      '--epochs',
      '3',
    ]);
    expect(mpirunArgs({ n: 2, script: 'x' }, runner, { isRoot: false, cores: 2 })).toEqual([
      '-np',
      '2',
      '--tag-output',
      '-x',
      'REPTILE_TRANSPORT',
      process.execPath,
      '/w/train.js',
    ]);
  });

  it('leaves capacity to a hostfile, exports the timeout and user env, and runs .ts through tsx', () => {
    const ts = scriptRunner(WORKERS.linear);
    const args = mpirunArgs(
      {
        n: 8,
        script: 'x',
        hostfile: 'hosts',
        timeoutMs: 5000,
        env: { SEED: '1' },
        mpirunArgs: ['--mca', 'btl', 'tcp,self'],
      },
      ts,
      { isRoot: false, cores: 2 },
    );
    expect(args).not.toContain('--oversubscribe');
    expect(args.slice(0, 13)).toEqual([
      '-np',
      '8',
      '--hostfile',
      'hosts',
      '--tag-output',
      '-x',
      'REPTILE_TRANSPORT',
      '-x',
      'REPTILE_TIMEOUT_MS',
      '-x',
      'SEED',
      '--mca',
      'btl',
    ]);
    expect(args.slice(14)).toEqual([process.execPath, '--import', ts.nodeArgs[1], WORKERS.linear]);
    expect(ts.nodeArgs[1]).toMatch(/^file:.*tsx.*loader\.mjs$/);
  });
});

describe('failedRankIn', () => {
  it('reads the rank from Open MPI 4’s failure reports', () => {
    expect(
      failedRankIn('mpirun noticed that process rank 1 with PID 0 on node vm exited on signal 9 (Killed).'),
    ).toBe(1);
    expect(failedRankIn('MPI_ABORT was invoked on rank 3 in communicator MPI_COMM_WORLD')).toBe(3);
    expect(failedRankIn('  Process name: [[17988,1],2]')).toBe(2);
    expect(failedRankIn('Primary job  terminated normally, but 1 process returned')).toBeUndefined();
  });
});

describe('lineSplitter', () => {
  it('emits whole lines across chunk boundaries, drops CR of CRLF, flushes the tail at the end', () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    s.push('a\r\nb');
    s.push('c\n\nd');
    expect(lines).toEqual(['a', 'bc', '']);
    s.end();
    expect(lines).toEqual(['a', 'bc', '', 'd']);
  });
});

describe('parseLaunchArgs', () => {
  it('reads flags up to the script; everything after belongs to the script', () => {
    expect(parseLaunchArgs(['-n', '2', 'train.ts', '--lr', '0.1', '-n', '5'])).toEqual({
      n: 2,
      transport: 'local',
      script: 'train.ts',
      args: ['--lr', '0.1', '-n', '5'],
    });
    expect(
      parseLaunchArgs([
        '-np=4',
        '--transport',
        'mpi',
        '--hostfile',
        'h',
        '--mca',
        'btl',
        'tcp,self',
        '--timeout=900',
        '--',
        '-weird.js',
      ]),
    ).toEqual({
      n: 4,
      transport: 'mpi',
      script: '-weird.js',
      args: [],
      hostfile: 'h',
      timeoutMs: 900,
      mpirunArgs: ['--mca', 'btl', 'tcp,self'],
    });
  });

  it.each([
    [['train.ts'], 'missing -n N'],
    [['-n', '2'], 'missing the script'],
    [['-n', '0', 'a.js'], "-n expects a positive integer, got '0'"],
    [['-n', '2', '--transport', 'tcp', 'a.js'], "unknown transport 'tcp' (use local or mpi)"],
    [['-n', '2', '--hostfile', 'h', 'a.js'], '--hostfile needs --transport mpi'],
    [['-n', '2', '--frobnicate', 'a.js'], "unknown flag '--frobnicate'"],
    [['-n'], '-n needs a value'],
  ])('%j fails: %s', (args, message) => {
    expect(() => parseLaunchArgs(args)).toThrow(message);
  });
});

describe('launchCommand', () => {
  const collect = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
  };

  it('runs N workers and prefixes every line with its rank', async () => {
    const c = collect();
    const code = await launchCommand.run(['-n', '2', ECHO, 'a', '--b'], c.io);
    expect(code).toBe(0);
    expect([...c.out].sort()).toEqual([
      '[rank 0] hello from rank 0 of 2 via local, args ["a","--b"]',
      '[rank 0] partial line without newline',
      '[rank 1] hello from rank 1 of 2 via local, args ["a","--b"]',
      '[rank 1] partial line without newline',
    ]);
    expect([...c.err].sort()).toEqual(['[rank 0] to stderr from rank 0', '[rank 1] to stderr from rank 1']);
  });

  it('returns the failing rank’s exit code and names it', async () => {
    const c = collect();
    expect(await launchCommand.run(['-n', '3', ECHO, 'exit=2:7'], c.io)).toBe(7);
    expect(c.err.at(-1)).toBe(
      'error: rank 2 exited with code 7; the other ranks were stopped (their errors are above)',
    );
    expect(c.err.join('\n')).toMatch(
      /\[rank 0\] ReptileError: local transport: rank 2 exited with code 7; rank 0 stopped in barrier #2/,
    );
  });

  it('runs on MPI from a hostfile, as on several hosts', async () => {
    ensureMpiAddon();
    const dir = tempDir('hosts');
    try {
      const hostfile = join(dir.path, 'hosts');
      writeFileSync(hostfile, 'localhost slots=2\n');
      const c = collect();
      expect(
        await launchCommand.run(['-n', '2', '--transport', 'mpi', '--hostfile', hostfile, ECHO, 'x'], c.io),
      ).toBe(0);
      expect(c.out.filter((l) => l.includes('hello')).sort()).toEqual([
        '[rank 0] hello from rank 0 of 2 via mpi, args ["x"]',
        '[rank 1] hello from rank 1 of 2 via mpi, args ["x"]',
      ]);
    } finally {
      dir.remove();
    }
  });

  it('answers a usage error with exit code 2 and the usage text', async () => {
    const c = collect();
    expect(await launchCommand.run(['--transport', 'mpi'], c.io)).toBe(2);
    expect(c.err[0]).toBe('error: launch: missing -n N (the number of workers)');
    expect(c.err.join('\n')).toContain('usage: reptile launch -n N');
  });
});

describe('a script run without the launcher', () => {
  it('is rank 0 of a single-rank world', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', ECHO, 'solo'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(out).toBe('hello from rank 0 of 1 via single, args ["solo"]\npartial line without newline');
  });
});

describe('launch errors', () => {
  it('name the problem and what to do', () => {
    expect(() => startLaunch({ n: 2, script: '/no/such/train.js' })).toThrow(
      'launch: script /no/such/train.js does not exist — check the path',
    );
    expect(() => startLaunch({ n: 2, script: ECHO, transport: 'udp' as 'mpi' })).toThrow(
      "launch: unknown transport 'udp' — use one of local, mpi",
    );
    expect(() => startLaunch({ n: 0, script: ECHO })).toThrow('launch: n must be a positive integer, got 0');
  });

  it('asking for MPI on a machine without it names the packages to install', () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => loadMpiAddon('/no/such/reptile_mpi.node')).toThrow(
        /^mpi transport: the MPI transport needs Open MPI, which is not installed .* — install Open MPI with its headers \(Debian\/Ubuntu: apt-get install -y openmpi-bin libopenmpi-dev;/,
      );
      expect(() => startLaunch({ n: 2, script: ECHO, transport: 'mpi' })).toThrow(
        /^launch --transport mpi: mpirun was not found on PATH — install Open MPI .*openmpi-bin libopenmpi-dev/,
      );
    } finally {
      process.env.PATH = path;
    }
  });

  it('with MPI installed but the addon unbuilt, says how to build it', () => {
    expect(() => loadMpiAddon('/no/such/reptile_mpi.node')).toThrow(
      'mpi transport: the MPI addon has not been built (/no/such/reptile_mpi.node is missing) — run `pnpm --filter @reptile/distributed build:native`',
    );
  });
});

#!/usr/bin/env node
// Builds the MPI addon (build/reptile_mpi.node) with the MPI compiler wrapper's flags and the
// Node-API headers of the running node. Plain node, no dependencies: it runs at install time.
//
//   node scripts/build-native.mjs             build, fail loudly if MPI or headers are missing
//   node scripts/build-native.mjs --optional  the same, but a missing MPI is a notice, not a
//                                             failure, so `pnpm install` works without MPI
//
// node-gyp would need the node headers downloaded (network) or a --nodedir, and a build-script
// approval; the addon is one file, so calling the compiler directly is simpler and offline.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const optional = process.argv.includes('--optional');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'reptile_mpi.node');
const INSTALL_HINT =
  'install Open MPI with its headers (Debian/Ubuntu: apt-get install -y openmpi-bin libopenmpi-dev; ' +
  'Fedora: dnf install openmpi-devel; macOS: brew install open-mpi), then run ' +
  '`pnpm --filter @reptile/distributed build:native`';

function skip(reason) {
  const text = `@reptile/distributed: MPI addon not built: ${reason}`;
  if (optional) {
    console.log(`${text}\n  The local transport works without it; for --transport mpi, ${INSTALL_HINT}.`);
    process.exit(0);
  }
  console.error(`${text}\n  ${INSTALL_HINT}.`);
  process.exit(1);
}

function run(cmd, args) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The compiler wrapper's flags (`mpicc --showme:compile` is Open MPI; `-compile_info` is MPICH). */
function mpiFlags() {
  const wrapper = process.env.MPICC ?? 'mpicc';
  try {
    return {
      compile: run(wrapper, ['--showme:compile']).split(/\s+/).filter(Boolean),
      link: run(wrapper, ['--showme:link']).split(/\s+/).filter(Boolean),
    };
  } catch {
    try {
      // MPICH: "-compile_info" prints the full command line; keep the -I/-L/-l/-Wl parts.
      const parts = run(wrapper, ['-compile_info']).split(/\s+/);
      const keep = (p) => /^-(I|L|l|Wl,|D)/.test(p);
      return { compile: parts.filter((p) => p.startsWith('-I') || p.startsWith('-D')), link: parts.filter(keep) };
    } catch {
      return undefined;
    }
  }
}

function nodeHeaders() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    join(dirname(dirname(process.execPath)), 'include', 'node'),
    join(homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
}

const flags = mpiFlags();
if (!flags) skip('no MPI compiler wrapper (mpicc) on PATH');
const headers = nodeHeaders();
if (!headers) skip(`no Node-API headers (node_api.h) for node ${process.versions.node}`);

mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.tmp-${process.pid}`;
const cxx = process.env.CXX ?? 'c++';
const args = [
  '-O3',
  '-shared',
  '-fPIC',
  '-std=c++17',
  '-DOMPI_SKIP_MPICXX',
  '-DMPICH_SKIP_MPICXX',
  '-DNODE_GYP_MODULE_NAME=reptile_mpi',
  `-I${headers}`,
  ...flags.compile,
  join(root, 'native', 'reptile_mpi.cc'),
  '-o',
  tmp,
  ...flags.link,
];
try {
  execFileSync(cxx, args, { stdio: 'inherit' });
} catch {
  skip(`compiling with ${cxx} failed (command: ${cxx} ${args.join(' ')})`);
}
// Rename so a half-written addon is never loaded by a concurrently running rank.
renameSync(tmp, out);
console.log(`@reptile/distributed: built ${out}`);

#!/usr/bin/env -S npx tsx
import { pathToFileURL } from 'node:url';
import { launchCommand } from '@reptile/distributed/launch-command';
import { type Command, type Io, processIo, UsageError } from './command.ts';
import { benchCommand } from './commands/bench.ts';
import { conformanceCommand } from './commands/conformance.ts';
import { convertCommand } from './commands/convert.ts';
import { demoCommand } from './commands/demo.ts';
import { onnxNodeTestsCommand } from './commands/onnx-node-tests.ts';
import { plotCommand } from './commands/plot.ts';
import { predictCommand } from './commands/predict.ts';
import { recipeDemoCommand } from './commands/recipe-demo.ts';
import { runCommand } from './commands/run.ts';
import { ReptileError } from './workspace.ts';

const helpCommand: Command = {
  name: 'help',
  summary: 'list the commands, or show one command’s flags: reptile help <command>',
  usage: 'usage: reptile help [command]',
  async run(args, io) {
    if (args.length > 1) throw new UsageError(`unexpected argument '${args[1]}'`);
    if (args.length === 1) {
      io.out(findCommand(args[0]!).usage);
      return 0;
    }
    io.out(overview());
    return 0;
  },
};

export const COMMANDS: readonly Command[] = [
  helpCommand,
  conformanceCommand,
  benchCommand,
  demoCommand,
  recipeDemoCommand,
  plotCommand,
  predictCommand,
  convertCommand,
  runCommand,
  onnxNodeTestsCommand,
  launchCommand,
];

function findCommand(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    throw new UsageError(`unknown command '${name}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
  }
  return command;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: reptile <command> [flags]   (in the repo: pnpm reptile <command>)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `reptile help <command>` for its flags.',
  ].join('\n');
}

/**
 * Routes argv to a command. Exit codes: 0 success, 1 the command ran and failed (a failing case,
 * a bad case file, a wrong benchmark result), 2 a usage error (unknown command or flag).
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  let command: Command | undefined;
  try {
    if (name === undefined || name === '--help' || name === '-h') {
      io.out(overview());
      return name === undefined ? 2 : 0;
    }
    command = findCommand(name);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(command.usage);
      return 0;
    }
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}`);
      io.err('');
      io.err(command ? command.usage : overview());
      return 2;
    }
    if (err instanceof ReptileError) {
      io.err(`error: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}

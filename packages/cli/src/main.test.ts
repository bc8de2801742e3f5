import { describe, expect, it } from 'vitest';
import { COMMANDS, main } from './main.ts';
import { captureIo } from './testing.ts';

describe('reptile command router', () => {
  it('lists every command under help', async () => {
    const io = captureIo();
    expect(await main(['help'], io)).toBe(0);
    for (const name of [
      'help',
      'conformance',
      'bench',
      'demo',
      'recipe-demo',
      'plot',
      'predict',
      'convert',
      'run',
      'onnx-node-tests',
      'launch',
    ]) {
      expect(io.stdout.some((l) => l.startsWith(`  ${name} `))).toBe(true);
    }
    expect(COMMANDS.map((c) => c.name)).toEqual([
      'help',
      'conformance',
      'bench',
      'demo',
      'recipe-demo',
      'plot',
      'predict',
      'convert',
      'run',
      'onnx-node-tests',
      'launch',
    ]);
  });

  it('shows a command’s usage with help <command> or --help', async () => {
    const a = captureIo();
    expect(await main(['help', 'bench'], a)).toBe(0);
    expect(a.stdout[0]).toMatch(/^usage: reptile bench <suite>/);
    const b = captureIo();
    expect(await main(['demo', '--help'], b)).toBe(0);
    expect(b.stdout[0]).toMatch(/^usage: reptile demo/);
  });

  it('exits 2 with the command list on an unknown command', async () => {
    const io = captureIo();
    expect(await main(['benchmark'], io)).toBe(2);
    expect(io.stderr[0]).toBe(
      "error: unknown command 'benchmark' (commands: help, conformance, bench, demo, recipe-demo, plot, predict, convert, run, onnx-node-tests, launch)",
    );
    expect(io.stderr.some((l) => l.startsWith('usage: reptile <command>'))).toBe(true);
  });

  it('exits 2 with the command’s usage on an unknown flag or a bad value', async () => {
    const flag = captureIo();
    expect(await main(['demo', '--epoch', '3'], flag)).toBe(2);
    expect(flag.stderr[0]).toBe("error: Unknown option '--epoch'");
    expect(flag.stderr.some((l) => l.startsWith('usage: reptile demo'))).toBe(true);
    const value = captureIo();
    expect(await main(['demo', '--epochs', 'many'], value)).toBe(2);
    expect(value.stderr[0]).toBe("error: --epochs expects a positive integer, got 'many'");
  });

  it('plot reports an unreadable history with its path and what to pass', async () => {
    const io = captureIo();
    expect(await main(['plot', '/nonexistent/history.json'], io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/\/nonexistent\/history.json: cannot read a history.*historyLog/);
  });

  it('predict names a missing model file', async () => {
    const io = captureIo();
    expect(await main(['predict', '/nonexistent/model.onnx', '/nonexistent/input.csv'], io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/nonexistent\/model\.onnx/);
  });

  it('exits 2 with usage when no command is given', async () => {
    const io = captureIo();
    expect(await main([], io)).toBe(2);
    expect(io.stdout[0]).toMatch(/^usage: reptile <command>/);
  });

  it('exits 2 on an unknown bench suite and on a missing suite', async () => {
    const unknown = captureIo();
    expect(await main(['bench', 'gpu'], unknown)).toBe(2);
    expect(unknown.stderr[0]).toBe(
      "error: unknown suite 'gpu' (suites: core, tfjs, onnx, torch, allreduce, frontends, conv, zookeeper)",
    );
    expect(await main(['bench'], captureIo())).toBe(2);
  });
});

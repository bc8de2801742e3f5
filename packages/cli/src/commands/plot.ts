import { plotHistoryFile } from 'reptile';
import { type Command, parseFlags, stringFlag } from '../command.ts';

/** Draws a training history (the JSON written by fit's history log) as a standalone SVG. */
export const plotCommand: Command = {
  name: 'plot',
  summary:
    'draw a training history (history.json) as an SVG: loss and metrics per epoch, train vs validation',
  usage: [
    'usage: reptile plot HISTORY.json [--out FILE.svg]',
    '',
    '  --out FILE  (default: HISTORY.svg beside the input)',
  ].join('\n'),
  async run(args, io) {
    const { values, positionals } = parseFlags(args, { out: { type: 'string' } }, { min: 1, max: 1 });
    const written = await plotHistoryFile(positionals[0]!, stringFlag(values.out));
    io.out(`wrote ${written}`);
    return 0;
  },
};

/** Prints who it is and its arguments, on stdout and stderr; `exit=<rank>:<code>` makes that rank fail. */
import { connect } from '../connect.ts';

const c = connect();
const args = process.argv.slice(2);
console.log(`hello from rank ${c.rank} of ${c.size} via ${c.transport}, args ${JSON.stringify(args)}`);
console.error(`to stderr from rank ${c.rank}`);
process.stdout.write('partial line without newline');
c.barrier();
const fail = args
  .find((a) => a.startsWith('exit='))
  ?.slice(5)
  .split(':')
  .map(Number);
if (fail && fail[0] === c.rank) process.exit(fail[1]);
c.barrier();

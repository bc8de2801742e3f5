/**
 * Reptile's one error type. Every message says what was wrong, where, and what to do, so a
 * user never has to read Reptile's source to fix their input.
 */
export class ReptileError extends Error {
  override readonly name = 'ReptileError';
  /** Where the problem is: a field path ("optimizer.beta1"), an op ("add"), a file and line. */
  readonly where: string | undefined;
  /** What to do about it. */
  readonly hint: string | undefined;

  constructor(message: string, options: { where?: string; hint?: string; cause?: unknown } = {}) {
    const parts = [options.where ? `${options.where}: ${message}` : message];
    if (options.hint) parts.push(options.hint);
    super(parts.join(' — '), options.cause === undefined ? undefined : { cause: options.cause });
    this.where = options.where;
    this.hint = options.hint;
  }
}

export function fail(message: string, options: { where?: string; hint?: string } = {}): never {
  throw new ReptileError(message, options);
}

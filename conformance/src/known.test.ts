import { describe, expect, it } from 'vitest';
import { matchesCase, parseKnownList, unusedEntries } from './known.ts';

describe('known lists', () => {
  it('parses skip and xfail entries', () => {
    const list = parseKnownList({ skip: [{ case: 'a', reason: 'r' }], xfail: [] }, 'known/x.json');
    expect(list).toEqual({ skip: [{ case: 'a', reason: 'r' }], xfail: [] });
  });

  it('requires a reason for every entry, naming the file and entry', () => {
    expect(() => parseKnownList({ xfail: [{ case: 'a', reason: ' ' }] }, 'known/x.json')).toThrow(
      /^known\/x\.json: known\.xfail\[0\]\.reason: expected a non-empty string/,
    );
    expect(() => parseKnownList({ skips: [] }, 'known/x.json')).toThrow(/known\.skips: unknown field/);
  });

  it('matches exact names and * patterns, treating other characters literally', () => {
    expect(matchesCase('adam.basic', 'adam.basic')).toBe(true);
    expect(matchesCase('adam.basic', 'adamxbasic')).toBe(false);
    expect(matchesCase('adam.*', 'adam.amsgrad')).toBe(true);
    expect(matchesCase('adam.*', 'adamw.basic')).toBe(false);
    expect(matchesCase('*.nan', 'mse.nan')).toBe(true);
  });

  it('finds entries that match no case', () => {
    const list = { skip: [{ case: 'a*', reason: 'r' }], xfail: [{ case: 'zz', reason: 'r' }] };
    expect(unusedEntries(list, ['ab', 'c'])).toEqual([{ case: 'zz', reason: 'r' }]);
  });
});

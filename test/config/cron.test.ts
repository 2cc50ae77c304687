import { describe, expect, it } from 'vitest';
import { CronError, parseCron } from '../../config/cron.js';

const at = (s: string) => new Date(s);
const next = (expr: string, after: string) => parseCron(expr).next(at(after))?.toString();
const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => new Date(y, mo - 1, d, h, mi, s).toString();

describe('Quartz cron expressions (seconds first)', () => {
  it('0 0 7 * * ? fires every day at 07:00:00', () => {
    expect(next('0 0 7 * * ?', local(2026, 12, 3, 6, 59, 59))).toBe(local(2026, 12, 3, 7));
    expect(next('0 0 7 * * ?', local(2026, 12, 3, 7))).toBe(local(2026, 12, 4, 7));
    expect(next('0 0 7 * * ?', local(2026, 12, 31, 8))).toBe(local(2027, 1, 1, 7));
  });

  it('steps, lists, ranges and names', () => {
    expect(next('*/15 * * * * ?', local(2026, 1, 1, 0, 0, 1))).toBe(local(2026, 1, 1, 0, 0, 15));
    expect(next('0 30 9-17/4 * * ?', local(2026, 1, 1, 10))).toBe(local(2026, 1, 1, 13, 30));
    expect(next('0 0 8 ? * MON-FRI', local(2026, 12, 5, 9))).toBe(local(2026, 12, 7, 8)); // Saturday → Monday
    expect(next('0 0 8 ? * 2', local(2026, 12, 5, 9))).toBe(local(2026, 12, 7, 8)); // Quartz: 2 = MON
    expect(next('0 0 0 1 JAN,JUL ?', local(2026, 2, 1))).toBe(local(2026, 7, 1));
    expect(next('0 0 12 29 2 ? 2028', local(2026, 1, 1))).toBe(local(2028, 2, 29, 12));
  });

  it('a fire time is strictly after the given time', () => {
    expect(next('* * * * * ?', local(2026, 1, 1, 0, 0, 0))).toBe(local(2026, 1, 1, 0, 0, 1));
  });

  it('refuses what it would misread, naming the field', () => {
    for (const [expr, message] of [
      ['0 7 * * *', /5 fields/],
      ['0 0 7 ? * ?', /not both/],
      ['0 0 7 1 * MON', /either day-of-month or day-of-week/],
      ['60 0 7 * * ?', /seconds '60'/],
      ['0 0 7 L * ?', /L, W and # are not supported/],
      ['0 0 ? * * *', /only for day-of-month and day-of-week/],
      ['0 0 7 * FOO ?', /month 'FOO'/],
      ['0 0 9-7 * * ?', /runs backwards/],
    ] as const) {
      expect(() => parseCron(expr), expr).toThrow(CronError);
      expect(() => parseCron(expr), expr).toThrow(message);
    }
  });

  it('a schedule in a past year never fires again', () => {
    expect(parseCron('0 0 0 1 1 ? 2020').next(at('2026-01-01T00:00:00Z'))).toBeUndefined();
  });
});

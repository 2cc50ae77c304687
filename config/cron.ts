/**
 * Quartz-style cron expressions, as the source documents write schedules: six or seven
 * fields, seconds first — `sec min hour day-of-month month day-of-week [year]` — with `*`,
 * `?` (no specific value, day fields only), lists `a,b`, ranges `a-b`, steps `*\/n` and
 * `a/n`, month names JAN–DEC and day names SUN–SAT (Quartz numbers days 1 = SUN … 7 = SAT).
 * `0 0 7 * * ?` is every day at 07:00:00. Times are the gateway's local time (TZ).
 * `L`, `W` and `#` are refused with a message rather than misread.
 */
export class CronError extends Error {
  constructor(expression: string, message: string) {
    super(`cron expression '${expression}': ${message}`);
  }
}

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: Field[] = [
  { name: 'seconds', min: 0, max: 59 },
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 1, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
  { name: 'year', min: 1970, max: 2199 },
];

export interface CronSchedule {
  readonly expression: string;
  /** the first fire time strictly after `after`, or undefined when there is none (a past year) */
  next(after: Date): Date | undefined;
}

export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length < 6 || parts.length > 7) throw new CronError(expression, `has ${parts.length} fields; Quartz needs 6 or 7 (seconds minutes hours day-of-month month day-of-week [year])`);
  const [sec, min, hour, dom, month, dow, year] = parts.map((p, i) => parseField(expression, p, FIELDS[i]!));
  const domAny = parts[3] === '?';
  const dowAny = parts[5] === '?';
  if (domAny && dowAny) throw new CronError(expression, "'?' may stand in day-of-month or day-of-week, not both");
  if (!domAny && !dowAny && parts[3] !== '*' && parts[5] !== '*') throw new CronError(expression, "give either day-of-month or day-of-week, and '?' for the other");
  const years = year ?? undefined;
  const dayMatches = (d: Date) => {
    const domOk = domAny || parts[3] === '*' ? true : dom!.has(d.getDate());
    const dowOk = dowAny || parts[5] === '*' ? true : dow!.has(d.getDay() + 1);
    return domOk && dowOk;
  };
  const secs = sorted(sec!);
  const mins = sorted(min!);
  const hours = sorted(hour!);
  return {
    expression,
    next(after) {
      const start = new Date(after.getTime() + 1000 - (after.getTime() % 1000));
      const day = new Date(start.getFullYear(), start.getMonth(), start.getDate());
      // five years of days: enough for any expression that fires at all
      for (let i = 0; i < 366 * 5; i++, day.setDate(day.getDate() + 1)) {
        if (years && !years.has(day.getFullYear())) continue;
        if (!month!.has(day.getMonth() + 1) || !dayMatches(day)) continue;
        for (const h of hours) {
          for (const m of mins) {
            for (const s of secs) {
              const t = new Date(day.getFullYear(), day.getMonth(), day.getDate(), h, m, s);
              if (t.getHours() !== h) continue; // skipped by a daylight saving change
              if (t >= start) return t;
            }
          }
        }
      }
      return undefined;
    },
  };
}

function sorted(set: Set<number>): number[] {
  return [...set].sort((a, b) => a - b);
}

function parseField(expression: string, text: string, field: Field): Set<number> {
  const out = new Set<number>();
  if (text === '?') {
    if (field.name !== 'day-of-month' && field.name !== 'day-of-week') throw new CronError(expression, `'?' is only for day-of-month and day-of-week, not ${field.name}`);
    return out;
  }
  // month and day names (JUL, WED) contain L and W: look for the special characters without them
  const unnamed = field.names ? field.names.reduce((t, n) => t.replace(new RegExp(n, 'gi'), '0'), text) : text;
  if (/[LW#]/i.test(unnamed)) throw new CronError(expression, `${field.name} '${text}': L, W and # are not supported`);
  for (const item of text.split(',')) {
    const [range, stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(expression, `${field.name} '${item}': the step must be a whole number, at least 1`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [field.min, field.max];
    else if (range!.includes('-')) {
      const [a, b] = range!.split('-');
      [from, to] = [value(expression, a!, field), value(expression, b!, field)];
      if (from > to) throw new CronError(expression, `${field.name} '${item}': the range runs backwards`);
    } else {
      from = value(expression, range!, field);
      to = stepText === undefined ? from : field.max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

function value(expression: string, text: string, field: Field): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  const v = named >= 0 ? named + field.min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(v) || v < field.min || v > field.max) {
    throw new CronError(expression, `${field.name} '${text}' is not a value from ${field.min} to ${field.max}${field.names ? ` or ${field.names[0]}–${field.names.at(-1)}` : ''}`);
  }
  return v;
}

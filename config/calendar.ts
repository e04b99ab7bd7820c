/**
 * systemd calendar expressions, as the backup timers take them: which are valid, and whether two
 * can fire at the same moment. Checked here so that a typo, or two backups at once, fails
 * `pulumi preview`, not a timer on a host at its first boot.
 */

/** What systemd.time(7) expands each shorthand to (as `systemd-analyze calendar` normalizes it). */
const SHORTHANDS: Readonly<Record<string, string>> = {
    minutely: "*-*-* *:*:00",
    hourly: "*-*-* *:00:00",
    daily: "*-*-* 00:00:00",
    weekly: "Mon *-*-* 00:00:00",
    monthly: "*-*-01 00:00:00",
    yearly: "*-01-01 00:00:00",
    annually: "*-01-01 00:00:00",
    quarterly: "*-01,04,07,10-01 00:00:00",
    semiannually: "*-01,07-01 00:00:00",
};

/** In systemd's order, Monday first: a range runs forwards only ("Sat..Sun", not "Sun..Mon"). */
const WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const WEEKDAY = `(?:${WEEKDAY_NAMES.join("|")})`;
const WEEKDAYS = new RegExp(`^${WEEKDAY}(?:\\.\\.${WEEKDAY})?(?:,${WEEKDAY}(?:\\.\\.${WEEKDAY})?)*$`);
const DATE_RANGES: readonly [number, number][] = [[1970, 2199], [1, 12], [1, 31]];
const TIME_RANGES: readonly [number, number][] = [[0, 23], [0, 59], [0, 59]];

/** One item of a date or time field: N, N..M, or N/STEP (N, N+STEP, ... up to the field's maximum). */
function itemValues(item: string, min: number, max: number): number[] | undefined {
    const match = /^(\d{1,4})(?:\.\.(\d{1,4})|\/(\d{1,4}))?$/.exec(item);
    if (match === null) return undefined;
    const first = Number(match[1]);
    const last = match[2] === undefined ? undefined : Number(match[2]);
    const step = match[3] === undefined ? undefined : Number(match[3]);
    if (first < min || first > max) return undefined;
    if (last !== undefined) return last >= first && last <= max ? Array.from({ length: last - first + 1 }, (_, i) => first + i) : undefined;
    // systemd refuses a repetition that would never repeat (23/1 in hours, 28/5 in days).
    if (step !== undefined) return step >= 1 && first + step <= max ? Array.from({ length: Math.floor((max - first) / step) + 1 }, (_, i) => first + i * step) : undefined;
    return [first];
}

/** A field: `*`, or a comma list of items; undefined when systemd would refuse it. */
function fieldValues(text: string, min: number, max: number): Set<number> | undefined {
    if (text === "*") return new Set(Array.from({ length: max - min + 1 }, (_, i) => min + i));
    const values = new Set<number>();
    for (const item of text.split(",")) {
        const items = itemValues(item, min, max);
        if (items === undefined) return undefined;
        items.forEach((value) => values.add(value));
    }
    return values;
}

/** Weekdays as JavaScript numbers them (Sunday 0), from systemd's list of names and ranges. */
function weekdayValues(text: string): Set<number> | undefined {
    const days = new Set<number>();
    for (const item of text.split(",")) {
        const [first, last = first] = item.split("..").map((name) => WEEKDAY_NAMES.indexOf(name));
        if (last! < first!) return undefined;
        for (let day = first!; day <= last!; day++) days.add((day + 1) % 7);
    }
    return days;
}

/** When an expression fires: every field expanded to the values it matches. */
interface Calendar {
    readonly weekdays: Set<number>;
    readonly years: Set<number>;
    readonly months: Set<number>;
    readonly days: Set<number>;
    readonly hours: Set<number>;
    readonly minutes: Set<number>;
    readonly seconds: Set<number>;
}

/**
 * Parses `[WEEKDAYS] [YEAR-MONTH-DAY] [HOUR:MINUTE[:SECOND]] [UTC]` or a shorthand; a part left out
 * matches every day (weekdays, date) or midnight (time), as in systemd.
 */
function parseCalendar(text: string): Calendar | undefined {
    const words = (SHORTHANDS[text] ?? text).split(" ");
    if (words.length > 1 && words[words.length - 1] === "UTC") words.pop();
    const weekdayText = words.length > 0 && WEEKDAYS.test(words[0]!) ? words.shift() : undefined;
    const dateText = words.length > 0 && words[0]!.includes("-") ? words.shift() : undefined;
    const timeText = words.length > 0 ? words.shift() : undefined;
    if (words.length > 0 || (weekdayText === undefined && dateText === undefined && timeText === undefined)) return undefined;
    const weekdays = weekdayText === undefined ? new Set([0, 1, 2, 3, 4, 5, 6]) : weekdayValues(weekdayText);
    const date = (dateText ?? "*-*-*").split("-");
    const time = (timeText ?? "00:00:00").split(":");
    if (weekdays === undefined || date.length !== 3 || (time.length !== 2 && time.length !== 3)) return undefined;
    if (time.length === 2) time.push("00");
    const [years, months, days] = date.map((field, i) => fieldValues(field, ...DATE_RANGES[i]!));
    const [hours, minutes, seconds] = time.map((field, i) => fieldValues(field, ...TIME_RANGES[i]!));
    if (!years || !months || !days || !hours || !minutes || !seconds) return undefined;
    return { weekdays, years, months, days, hours, minutes, seconds };
}

/** True for the calendar expressions systemd takes (a unit test holds this to `systemd-analyze calendar`). */
export function isCalendarExpression(text: string): boolean {
    return parseCalendar(text) !== undefined;
}

function common(a: Set<number>, b: Set<number>): number[] {
    return [...a].filter((value) => b.has(value)).sort((x, y) => x - y);
}

const pad = (value: number): string => String(value).padStart(2, "0");

/**
 * The first day from today (UTC) on which both expressions fire, with the first moment of that day,
 * as `YYYY-MM-DD hh:mm:ss`; undefined when they never will (or either is not a calendar
 * expression). Both are read on the host's clock, UTC on the EC2 hosts.
 */
export function calendarsCoincide(first: string, second: string): string | undefined {
    const a = parseCalendar(first);
    const b = parseCalendar(second);
    if (a === undefined || b === undefined) return undefined;
    const [hour] = common(a.hours, b.hours);
    const [minute] = common(a.minutes, b.minutes);
    const [secondOfMinute] = common(a.seconds, b.seconds);
    if (hour === undefined || minute === undefined || secondOfMinute === undefined) return undefined;
    const weekdays = new Set(common(a.weekdays, b.weekdays));
    if (weekdays.size === 0) return undefined;
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    for (const year of common(a.years, b.years).filter((candidate) => candidate >= now.getUTCFullYear())) {
        for (const month of common(a.months, b.months)) {
            for (const day of common(a.days, b.days)) {
                const date = new Date(Date.UTC(year, month - 1, day));
                if (date.getTime() >= today && date.getUTCMonth() === month - 1 && weekdays.has(date.getUTCDay())) {
                    return `${year}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}:${pad(secondOfMinute)}`;
                }
            }
        }
    }
    return undefined;
}

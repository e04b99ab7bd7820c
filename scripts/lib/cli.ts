import { parseArgs, ParseArgsConfig } from "util";

/** Runs a script's main, printing an error's message (not its stack) and exiting 1 on failure. */
export function runMain(main: () => Promise<number | void>): void {
    main().then(
        (code) => process.exit(code ?? 0),
        (error: unknown) => {
            process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
            process.exit(1);
        },
    );
}

export function parseCommandLine<T extends NonNullable<ParseArgsConfig["options"]>>(options: T, usage: string) {
    try {
        return parseArgs({ options, strict: true, allowPositionals: false }).values;
    } catch (error) {
        throw new Error(`${error instanceof Error ? error.message : String(error)}\nusage: ${usage}`);
    }
}

export function requireOption(value: string | undefined, name: string, usage: string): string {
    if (value === undefined || value === "") throw new Error(`--${name} is required\nusage: ${usage}`);
    return value;
}

export function integerOption(value: string | undefined, name: string): number | undefined {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number, got ${JSON.stringify(value)}`);
    return Number(value);
}

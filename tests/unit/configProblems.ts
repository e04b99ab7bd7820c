import * as assert from "assert";
import { ConfigError, parseClusterConfig, RawConfig } from "../../config";

/** The problems the loader reports for a config it must refuse; fails when it is accepted. */
export function problemsOf(raw: RawConfig): readonly string[] {
    try {
        parseClusterConfig(raw);
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
        return error.problems;
    }
    assert.fail(`config ${JSON.stringify(raw)} was accepted`);
}

/** The config is refused with this problem among the others (a whole line, or a pattern). */
export function assertRejected(raw: RawConfig, expected: string | RegExp): void {
    const problems = problemsOf(raw);
    const found = problems.some((problem) => (typeof expected === "string" ? problem === expected : expected.test(problem)));
    assert.ok(found, `expected ${expected} among:\n  ${problems.join("\n  ")}`);
}

import * as assert from "assert";
import { spawnSync } from "child_process";

/** The checking tools of the Prometheus project the unit tests run, and the Debian package of each. */
const DEBIAN_PACKAGE_OF = { promtool: "prometheus", amtool: "prometheus-alertmanager" } as const;

export type PrometheusTool = keyof typeof DEBIAN_PACKAGE_OF;

/** Runs `tool` in `cwd` and returns its output; a missing tool fails the test with what to install, never skips it. */
export function runPrometheusTool(tool: PrometheusTool, args: readonly string[], cwd: string): string {
    const result = spawnSync(tool, args, { cwd, encoding: "utf8" });
    if (result.error !== undefined && (result.error as NodeJS.ErrnoException).code === "ENOENT") {
        const debianPackage = DEBIAN_PACKAGE_OF[tool];
        assert.fail(`${tool} is missing: install Debian's ${debianPackage} package (apt-get install --no-install-recommends ${debianPackage}; scripts/install-test-deps.sh does)`);
    }
    const output = `${result.stdout}${result.stderr}`;
    assert.strictEqual(result.status, 0, `${tool} ${args.join(" ")} failed:\n${output}`);
    return output;
}

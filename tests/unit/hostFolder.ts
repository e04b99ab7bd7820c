import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RenderedFile } from "../../components/render";

/** Writes a service's files into a new folder, as a host's config folder gets them, and runs `work` on it. */
export function inHostFolder<T>(files: readonly RenderedFile[], work: (dir: string) => T): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-host-"));
    try {
        for (const file of files) fs.writeFileSync(path.join(dir, file.name), file.content, { mode: file.mode });
        return work(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * bash -n and shellcheck on every script of a folder as a file, following what it sources from
 * beside itself (the rendered environment files and the libraries): problems, one per script.
 */
export function lintScripts(dir: string): string[] {
    const version = spawnSync("shellcheck", ["--version"]);
    if (version.error !== undefined || version.status !== 0) throw new Error("shellcheck is missing: apt-get install -y shellcheck (npm test installs it)");
    return fs.readdirSync(dir).filter((name) => name.endsWith(".sh")).flatMap((name) => {
        const file = path.join(dir, name);
        const syntax = spawnSync("bash", ["-n", file], { encoding: "utf8" });
        if (syntax.status !== 0) return [`${name}: ${syntax.stderr}`];
        const lint = spawnSync("shellcheck", ["--shell=bash", "--severity=style", "--external-sources", "--source-path=SCRIPTDIR", file], { encoding: "utf8", cwd: dir });
        return lint.status === 0 ? [] : [`${name}:\n${lint.stdout}`];
    });
}

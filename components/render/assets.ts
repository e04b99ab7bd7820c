import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/projectRoot";
import { RenderedFile } from "./types";

/** Shell scripts and SQL shipped as files: components/render/assets, read where the project is. */
export const ASSETS_DIR = path.join(PROJECT_ROOT, "components", "render", "assets");

const texts = new Map<string, string>();

/** The text of one asset (`failover.sh`, `sql/replication.sql`), read once. */
export function assetText(name: string): string {
    let text = texts.get(name);
    if (text === undefined) {
        text = fs.readFileSync(path.join(ASSETS_DIR, name), "utf8");
        texts.set(name, text);
    }
    return text;
}

/**
 * An asset with every `{{NAME}}` replaced by its value. A placeholder without a value, or a value
 * without a placeholder, is a mistake in the caller and throws.
 */
export function renderAsset(name: string, values: Readonly<Record<string, string>>): string {
    const used = new Set<string>();
    const text = assetText(name).replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
        const value = values[key];
        if (value === undefined) throw new Error(`asset ${name} has a placeholder {{${key}}} with no value`);
        used.add(key);
        return value;
    });
    const unused = Object.keys(values).filter((key) => !used.has(key));
    if (unused.length > 0) throw new Error(`asset ${name} has no placeholder for ${unused.join(", ")}`);
    return text;
}

/** A script asset as a file of a service: executable when run directly, readable when only sourced. */
export function scriptFile(asset: string, name = path.posix.basename(asset), executable = true): RenderedFile {
    return { name, content: assetText(asset), mode: executable ? 0o755 : 0o644, secret: false };
}

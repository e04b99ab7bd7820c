import * as fs from "fs";
import * as path from "path";

/** The folder that holds Pulumi.yaml, whether this runs from source or from build/. */
export const PROJECT_ROOT = [path.resolve(__dirname, ".."), path.resolve(__dirname, "..", "..")]
    .find((dir) => fs.existsSync(path.join(dir, "Pulumi.yaml"))) ?? path.resolve(__dirname, "..");

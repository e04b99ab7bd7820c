import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ASSETS_DIR } from "../../components/render";
import { withoutCommentLines } from "../../components/render/shellComments";

describe("scripts without their comment lines (EC2 user data)", () => {
    it("drops comment-only lines, keeps the shebang, commands, trailing comments and # inside strings", () => {
        const script = [
            "#!/bin/bash",
            "# what it does",
            "   # indented",
            "echo \"${#items[@]}\" # count",
            "python3 -c '",
            "# a line of the Python program",
            "print(1)",
            "'",
            "echo \"two",
            "# of the string",
            "\"",
            "echo $'a\\n' done",
            "",
        ].join("\n");
        assert.strictEqual(withoutCommentLines(script), [
            "#!/bin/bash",
            "echo \"${#items[@]}\" # count",
            "python3 -c '",
            "# a line of the Python program",
            "print(1)",
            "'",
            "echo \"two",
            "# of the string",
            "\"",
            "echo $'a\\n' done",
            "",
        ].join("\n"));
    });

    it("refuses a here-document, whose lines it cannot tell from comments", () => {
        assert.throws(() => withoutCommentLines("cat <<EOF\n# data\nEOF\n"), /here-document/);
        assert.strictEqual(withoutCommentLines("read -r a <<<\"$x\"\n# c\n"), "read -r a <<<\"$x\"\n");
    });

    it("leaves every shell asset with the same commands: bash -n passes and only comment lines go", () => {
        const scripts = fs.readdirSync(ASSETS_DIR).filter((name) => name.endsWith(".sh"));
        assert.ok(scripts.length >= 10, scripts.join(", "));
        for (const name of scripts) {
            const text = fs.readFileSync(path.join(ASSETS_DIR, name), "utf8");
            const stripped = withoutCommentLines(text);
            const result = spawnSync("bash", ["-n"], { input: stripped, encoding: "utf8" });
            assert.strictEqual(result.status, 0, `${name}: ${result.stderr}`);
            const dropped = text.split("\n").filter((line) => !stripped.split("\n").includes(line));
            assert.ok(dropped.every((line) => /^\s*#/.test(line)), `${name} lost ${dropped.find((line) => !/^\s*#/.test(line))}`);
            assert.ok(stripped.length < text.length, `${name} has comment lines to drop`);
        }
    });
});

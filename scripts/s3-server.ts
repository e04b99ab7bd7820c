import S3rver from "s3rver";
import * as fs from "fs";
import { parseCommandLine, requireOption, runMain } from "./lib/cli";

const USAGE = "node build/scripts/s3-server.js --port P --dir DIR --cert FILE --key FILE --bucket NAME";

/**
 * An S3-compatible server (s3rver) on 127.0.0.1 over TLS, for the local run's S3 backup
 * repository. Runs until SIGTERM.
 */
runMain(async () => {
    const args = parseCommandLine({ port: { type: "string" }, dir: { type: "string" }, cert: { type: "string" }, key: { type: "string" }, bucket: { type: "string" } }, USAGE);
    const server = new S3rver({
        address: "127.0.0.1",
        port: Number(requireOption(args.port, "port", USAGE)),
        directory: requireOption(args.dir, "dir", USAGE),
        cert: fs.readFileSync(requireOption(args.cert, "cert", USAGE)),
        key: fs.readFileSync(requireOption(args.key, "key", USAGE)),
        configureBuckets: [{ name: requireOption(args.bucket, "bucket", USAGE), configs: [] }],
        silent: true,
    });
    const address = await server.run();
    process.stderr.write(`s3rver listening on https://localhost:${address.port}\n`);
    await new Promise<void>((resolve) => process.once("SIGTERM", () => resolve()));
    await server.close();
});

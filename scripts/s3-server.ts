import { parseCommandLine, requireOption, runMain } from "./lib/cli";
import { createS3Server } from "./lib/local/s3Server";

const USAGE = "node build/scripts/s3-server.js --port P --dir DIR --cert FILE --key FILE --bucket NAME";

/**
 * An S3-compatible server (s3rver) on 127.0.0.1 over TLS, for the local run's S3 backup
 * repository. Runs until SIGTERM.
 */
runMain(async () => {
    const args = parseCommandLine({ port: { type: "string" }, dir: { type: "string" }, cert: { type: "string" }, key: { type: "string" }, bucket: { type: "string" } }, USAGE);
    const server = createS3Server({
        port: Number(requireOption(args.port, "port", USAGE)),
        directory: requireOption(args.dir, "dir", USAGE),
        certFile: requireOption(args.cert, "cert", USAGE),
        keyFile: requireOption(args.key, "key", USAGE),
        buckets: [requireOption(args.bucket, "bucket", USAGE)],
    });
    const address = await server.run();
    process.stderr.write(`s3rver listening on https://localhost:${address.port}\n`);
    await new Promise<void>((resolve) => process.once("SIGTERM", () => resolve()));
    await server.close();
});

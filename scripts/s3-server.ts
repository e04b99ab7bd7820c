import { checkUsableFolder, existingFileOption, parseCommandLine, portOption, requireOption, runMain } from "./lib/cli";
import { createS3Server } from "./lib/local/s3Server";

const USAGE = "node build/scripts/s3-server.js --port P --dir DIR --cert FILE --key FILE --bucket NAME";

/**
 * An S3-compatible server (s3rver) on 127.0.0.1 over TLS, for the local run's S3 backup
 * repository. Runs until SIGTERM.
 */
runMain(async () => {
    const args = parseCommandLine({ port: { type: "string" }, dir: { type: "string" }, cert: { type: "string" }, key: { type: "string" }, bucket: { type: "string" } }, USAGE);
    const port = portOption(requireOption(args.port, "port", USAGE), "port")!;
    const directory = requireOption(args.dir, "dir", USAGE);
    checkUsableFolder(directory, "--dir");
    const pemHint = "give the PEM file local:up issued (in the state dir's pki folder)";
    const server = createS3Server({
        port,
        directory,
        certFile: existingFileOption(requireOption(args.cert, "cert", USAGE), "cert", pemHint),
        keyFile: existingFileOption(requireOption(args.key, "key", USAGE), "key", pemHint),
        buckets: [requireOption(args.bucket, "bucket", USAGE)],
    });
    const address = await server.run();
    process.stderr.write(`s3rver listening on https://localhost:${address.port}\n`);
    await new Promise<void>((resolve) => process.once("SIGTERM", () => resolve()));
    await server.close();
});

import S3rver from "s3rver";
import * as fs from "fs";

export interface S3ServerOptions {
    readonly port: number;
    /** Where the server keeps buckets and objects. */
    readonly directory: string;
    /** PEM files of its TLS certificate (issued for localhost by the cluster CA) and key. */
    readonly certFile: string;
    readonly keyFile: string;
    /** Buckets that exist from the start. */
    readonly buckets: readonly string[];
}

/** An S3-compatible server (s3rver) on 127.0.0.1 over TLS, not yet running: call run() and close(). */
export function createS3Server(options: S3ServerOptions): S3rver {
    return new S3rver({
        address: "127.0.0.1",
        port: options.port,
        directory: options.directory,
        cert: fs.readFileSync(options.certFile),
        key: fs.readFileSync(options.keyFile),
        configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
        silent: true,
    });
}

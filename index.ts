import { Cluster, createPlatform } from "./components";
import { readStackConfig } from "./config/stackConfig";

// Config is read and validated once, before any resource exists; components get typed values.
const config = readStackConfig();
const platform = createPlatform(config, "pg-ha");
const cluster = new Cluster("pg-ha", { config, platform });

export const pgpoolConnectionString = cluster.pgpoolConnectionString;
export const primaryConnectionString = cluster.primaryConnectionString;
export const replicaConnectionStrings = cluster.replicaConnectionStrings;
export const exporterMetricsUrl = cluster.exporterMetricsUrl;
export const caCertificate = cluster.caCertificate;
export const backupBucketName = platform.backupBucketName;

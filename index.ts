import { addressingFor, Cluster, createPlatform, planCluster } from "./components";
import { readStackConfig } from "./config/stackConfig";

// Config is read and validated once, before any resource exists; the plan describes the whole
// cluster from it, and the platform runs the plan.
const config = readStackConfig();
const plan = planCluster(config, addressingFor(config));
const platform = createPlatform(plan, "pg-ha");
const cluster = new Cluster("pg-ha", { plan, platform });

export const pgpoolConnectionString = cluster.pgpoolConnectionString;
export const primaryConnectionString = cluster.primaryConnectionString;
export const replicaConnectionStrings = cluster.replicaConnectionStrings;
export const exporterMetricsUrl = cluster.exporterMetricsUrl;
export const prometheusUrl = cluster.prometheusUrl;
export const alertmanagerUrl = cluster.alertmanagerUrl;
export const caCertificate = cluster.caCertificate;
export const backupBucketName = platform.backupBucketName;
/** prod: each host's instance id and URN, for `npm run roll` and the operations through SSM. */
export const hostInstances = platform.hostInstances?.();
/** Where `npm run switchover|backup|restore|drill:restore -- --outputs FILE` reach each node and pgpool. */
export const hostAccess = platform.hostAccess();

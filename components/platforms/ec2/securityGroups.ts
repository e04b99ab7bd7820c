import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, Topology } from "../../../config";

export interface SecurityGroups {
    /** PostgreSQL nodes: their ports only from the front host and from each other. */
    readonly database: aws.ec2.SecurityGroup;
    /** pgpool and the exporter: pgpool only from the allowed clients, metrics only from monitoring. */
    readonly front: aws.ec2.SecurityGroup;
}

const EGRESS = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "package installs and S3 through the NAT gateway" }];

/** No SSH, no port 22 anywhere: hosts are reached through SSM Session Manager. */
export function createSecurityGroups(name: string, config: ClusterConfig, topology: Topology, vpcId: pulumi.Input<string>, parent: pulumi.Resource): SecurityGroups {
    const ec2 = config.ec2!;
    const front = new aws.ec2.SecurityGroup(`${name}-front`, {
        vpcId,
        description: "pg-ha pgpool and exporter",
        ingress: [
            ...(config.allowedClientCidrs.length > 0 ? [{ protocol: "tcp", fromPort: topology.pgpool.port, toPort: topology.pgpool.port, cidrBlocks: [...config.allowedClientCidrs], description: "clients to pgpool" }] : []),
            ...(ec2.allowedClientSecurityGroupIds.length > 0 ? [{ protocol: "tcp", fromPort: topology.pgpool.port, toPort: topology.pgpool.port, securityGroups: [...ec2.allowedClientSecurityGroupIds], description: "client security groups to pgpool" }] : []),
            ...(ec2.monitoringCidrs.length > 0 ? [{ protocol: "tcp", fromPort: topology.exporter.port, toPort: topology.exporter.port, cidrBlocks: [...ec2.monitoringCidrs], description: "Prometheus to the exporter" }] : []),
        ],
        egress: EGRESS,
        tags: { Name: `${name}-front` },
    }, { parent });
    const ports = topology.nodes.map((node) => node.port);
    const database = new aws.ec2.SecurityGroup(`${name}-database`, {
        vpcId,
        description: "pg-ha PostgreSQL nodes",
        ingress: [
            { protocol: "tcp", fromPort: Math.min(...ports), toPort: Math.max(...ports), securityGroups: [front.id], description: "pgpool, exporter and failover scripts" },
            { protocol: "tcp", fromPort: Math.min(...ports), toPort: Math.max(...ports), self: true, description: "replication, pg_rewind and fencing between nodes" },
        ],
        egress: EGRESS,
        tags: { Name: `${name}-database` },
    }, { parent });
    return { database, front };
}

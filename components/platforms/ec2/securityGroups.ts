import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ClusterPlan, PlannedPort, PlannedService } from "../../plan";

export interface SecurityGroups {
    /** PostgreSQL nodes: their ports only from the front host and from each other; node_exporter's from the front host and the monitoring networks. */
    readonly database: aws.ec2.SecurityGroup;
    /** The front host's services: each port only from its audience (clients, monitoring). */
    readonly front: aws.ec2.SecurityGroup;
}

const EGRESS = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "package installs and S3 through the NAT gateway" }];

type Ingress = aws.types.input.ec2.SecurityGroupIngress;

/** The ingress rules of a front port, from the plan's audience: clients and monitoring from config; host ports from nowhere. */
function frontIngress(plan: ClusterPlan, service: PlannedService, port: PlannedPort): Ingress[] {
    const ec2 = plan.config.ec2!;
    const rule = (description: string, from: Partial<Ingress>): Ingress => ({ protocol: "tcp", fromPort: port.port, toPort: port.port, description, ...from });
    switch (port.audience) {
        case "clients":
            return [
                ...(plan.config.allowedClientCidrs.length > 0 ? [rule(`clients to ${service.name}`, { cidrBlocks: [...plan.config.allowedClientCidrs] })] : []),
                ...(ec2.allowedClientSecurityGroupIds.length > 0 ? [rule(`client security groups to ${service.name}`, { securityGroups: [...ec2.allowedClientSecurityGroupIds] })] : []),
            ];
        case "monitoring":
            return ec2.monitoringCidrs.length > 0 ? [rule(`Prometheus to ${service.name}`, { cidrBlocks: [...ec2.monitoringCidrs] })] : [];
        case "members":
        case "host":
            return [];
    }
}

/**
 * The two security groups, their rules from the plan's ports. No SSH, no port 22 anywhere: hosts
 * are reached through SSM Session Manager.
 */
export function createSecurityGroups(name: string, plan: ClusterPlan, vpcId: pulumi.Input<string>, parent: pulumi.Resource): SecurityGroups {
    const servicesOf = (kind: "node" | "front") => plan.hosts.filter((host) => host.kind === kind).flatMap((host) => host.services.map(plan.service));
    const frontServices = servicesOf("front");
    const front = new aws.ec2.SecurityGroup(`${name}-front`, {
        vpcId,
        description: "pg-ha pgpool and exporter",
        ingress: frontServices.flatMap((service) => service.ports.flatMap((port) => frontIngress(plan, service, port))),
        egress: EGRESS,
        tags: { Name: `${name}-front` },
    }, { parent });
    const ports = servicesOf("node").flatMap((service) => service.ports.filter((port) => port.audience === "members").map((port) => port.port));
    // node_exporter beside each node: Prometheus on the front host, and the monitoring networks.
    const metrics = servicesOf("node").flatMap((service) => service.ports.filter((port) => port.audience === "monitoring").map((port) => port.port));
    const monitoringCidrs = plan.config.ec2!.monitoringCidrs;
    const database = new aws.ec2.SecurityGroup(`${name}-database`, {
        vpcId,
        description: "pg-ha PostgreSQL nodes",
        ingress: [
            { protocol: "tcp", fromPort: Math.min(...ports), toPort: Math.max(...ports), securityGroups: [front.id], description: "pgpool, exporter and failover scripts" },
            { protocol: "tcp", fromPort: Math.min(...ports), toPort: Math.max(...ports), self: true, description: "replication, pg_rewind and fencing between nodes" },
            ...(metrics.length === 0 ? [] : [
                { protocol: "tcp", fromPort: Math.min(...metrics), toPort: Math.max(...metrics), securityGroups: [front.id], description: "Prometheus to node_exporter" },
                ...(monitoringCidrs.length > 0 ? [{ protocol: "tcp", fromPort: Math.min(...metrics), toPort: Math.max(...metrics), cidrBlocks: [...monitoringCidrs], description: "monitoring networks to node_exporter" }] : []),
            ]),
        ],
        egress: EGRESS,
        tags: { Name: `${name}-database` },
    }, { parent });
    return { database, front };
}

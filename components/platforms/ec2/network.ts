import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Ec2Settings, privateSubnetCidr, publicSubnetCidr, SubnetPlacement } from "../../../config";

// The subnet rule lives in config, where the loader checks the VPC has room for it.
export { subnetCidr } from "../../../config";

export interface Network {
    readonly vpcId: pulumi.Input<string>;
    /** Private subnets, one per zone, in the order nodes are placed over them. */
    readonly subnets: readonly { readonly id: pulumi.Input<string>; readonly availabilityZone: string }[];
    /**
     * What a host's first boot needs before it can reach Debian's mirror, AWS's APIs and S3: the
     * NAT gateway, the private route table's associations and the S3 endpoint. Instances wait for
     * them (a host that boots earlier would get no packages). None for an existing VPC.
     */
    readonly egress: readonly pulumi.Resource[];
}

/**
 * The private subnets the nodes run in: the existing ones from config, or a VPC the stack creates
 * with a private and a public subnet per zone, one NAT gateway for package installs and AWS's APIs
 * (one NAT keeps the cost down; if its zone fails, only those stop, not the cluster), and an S3
 * gateway endpoint for the backups.
 */
export function createNetwork(name: string, settings: Ec2Settings, region: string, parent: pulumi.Resource): Network {
    if (settings.existingVpc !== undefined) {
        return { vpcId: settings.existingVpc.vpcId, subnets: settings.existingVpc.subnets.map((subnet: SubnetPlacement) => ({ id: subnet.id, availabilityZone: subnet.availabilityZone })), egress: [] };
    }
    const opts = { parent };
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: settings.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: `${name}-vpc` } }, opts);
    const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: `${name}-igw` } }, opts);
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }], tags: { Name: `${name}-public` } }, opts);
    const zones = settings.availabilityZones;
    const publicSubnets = zones.map((zone, i) => {
        const subnet = new aws.ec2.Subnet(`${name}-public-${zone}`, { vpcId: vpc.id, cidrBlock: publicSubnetCidr(settings.vpcCidr, i), availabilityZone: zone, mapPublicIpOnLaunch: false, tags: { Name: `${name}-public-${zone}` } }, opts);
        new aws.ec2.RouteTableAssociation(`${name}-public-${zone}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, opts);
        return subnet;
    });
    const natAddress = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: { Name: `${name}-nat` } }, opts);
    const nat = new aws.ec2.NatGateway(`${name}-nat`, { subnetId: publicSubnets[0]!.id, allocationId: natAddress.id, tags: { Name: `${name}-nat` } }, { parent, dependsOn: [gateway] });
    const privateRoutes = new aws.ec2.RouteTable(`${name}-private`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: { Name: `${name}-private` } }, opts);
    const associations: pulumi.Resource[] = [];
    const subnets = zones.map((zone, i) => {
        const subnet = new aws.ec2.Subnet(`${name}-private-${zone}`, { vpcId: vpc.id, cidrBlock: privateSubnetCidr(settings.vpcCidr, i), availabilityZone: zone, mapPublicIpOnLaunch: false, tags: { Name: `${name}-private-${zone}` } }, opts);
        associations.push(new aws.ec2.RouteTableAssociation(`${name}-private-${zone}`, { subnetId: subnet.id, routeTableId: privateRoutes.id }, opts));
        return { id: subnet.id, availabilityZone: zone };
    });
    // Backups and WAL go to S3 through a gateway endpoint: free, and off the NAT's per-GB charge.
    const s3Endpoint = new aws.ec2.VpcEndpoint(`${name}-s3`, {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: [privateRoutes.id],
        tags: { Name: `${name}-s3` },
    }, opts);
    return { vpcId: vpc.id, subnets, egress: [nat, ...associations, s3Endpoint] };
}

import { ClusterConfig } from "../../../config";
import { Addressing } from "../../plan";
import { ec2Layout } from "./layout";

/** Where the prod stack puts services: one private DNS name each, in the stack's zone. */
export function ec2Addressing(config: ClusterConfig): Addressing {
    const settings = config.ec2;
    if (settings === undefined) throw new Error("the ec2 platform needs the pg-ha:ec2 settings");
    const hostFor = (service: string) => `${service}.${settings.dnsZoneName}`;
    return {
        layout: ec2Layout(config.postgresVersion, settings.vpcCidr),
        hostFor,
        clientHostFor: hostFor,
        certificateNamesFor: (service) => ({ dnsNames: [hostFor(service), "localhost"], ipAddresses: ["127.0.0.1"] }),
    };
}

import { ClusterConfig, dockerSettingsOf } from "../../../config";
import { Addressing } from "../../plan";
import { dockerLayout } from "./layout";

/** Where the dev stack puts services: a container each, named after it on the stack's network; clients on the bind address. */
export function dockerAddressing(config: ClusterConfig): Addressing {
    const docker = dockerSettingsOf(config);
    return {
        layout: dockerLayout(config.postgresVersion, docker.networkCidr),
        hostFor: (service) => service,
        clientHostFor: () => docker.bindAddress,
        certificateNamesFor: (service) => ({ dnsNames: [service, "localhost"], ipAddresses: [...new Set(["127.0.0.1", docker.bindAddress])] }),
    };
}

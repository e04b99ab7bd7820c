import { Addressing } from "../../../components/plan";
import { localLayout } from "./layout";

/** Where the local run puts services: every one on 127.0.0.1, its files under the state dir, its ports shifted by `portOffset`. */
export function localAddressing(stateDir: string, serviceUser: string, postgresVersion: number, portOffset: number): Addressing {
    return {
        layout: localLayout(stateDir, serviceUser, postgresVersion),
        hostFor: () => "127.0.0.1",
        clientHostFor: () => "127.0.0.1",
        certificateNamesFor: () => ({ dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] }),
        portOffset,
    };
}

import { PGPOOL_SERVICE } from "../../config";
import { ClusterPlan, PlannedService } from "../plan";
import { HostAccess } from "../render";

/** The services the operations act on: every PostgreSQL node, in order, and pgpool. */
export function operatedServices(plan: ClusterPlan): PlannedService[] {
    return [...plan.topology.nodes.map((node) => plan.service(node.name)), plan.service(PGPOOL_SERVICE)];
}

/** A dev stack's hosts for the operations: each service's container, `<prefix>-<service>`. */
export function dockerHostAccess(plan: ClusterPlan, containerPrefix: string): HostAccess {
    return {
        serviceUser: plan.context.layout.serviceUser,
        nodes: plan.topology.nodes.map((node) => node.name),
        services: Object.fromEntries(operatedServices(plan).map((service) => [service.name, { container: `${containerPrefix}-${service.name}`, configDir: service.configDir }])),
    };
}

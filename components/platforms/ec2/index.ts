export * from "./ec2Platform";
export * from "./layout";
export * from "./network";
export * from "./addressing";

/**
 * zookeeper-cutover: Pulumi components that run Apache ZooKeeper on AWS EKS
 * and move an existing ensemble from hosts into Kubernetes with zero downtime.
 */
export * from "./components";

/**
 * zookeeper-cutover: Pulumi components that run Apache ZooKeeper on AWS EKS
 * and move an existing ensemble from hosts into Kubernetes with zero downtime.
 */
// The components import the Pulumi providers' modules one API group at a time (a plan loads no more than it uses).
// The package's entry point also loads both providers' indexes, which register the providers themselves: a caller
// in another language that hands a provider over as a resource reference gets a provider object back, not its URN.
// Loaded with require, not import: the schema analysis of the package (`pulumi package add`) then does not read the
// type declarations of every AWS and Kubernetes API (it took twice as long with them).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("@pulumi/aws");
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("@pulumi/kubernetes");

export * from "./components";

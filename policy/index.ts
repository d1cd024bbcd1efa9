/** The policy pack: `pulumi preview --policy-pack policy` runs it against a stack. Tests import ./policies, not this file. */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("zookeeper-cutover", { policies });

/**
 * The cross-language schema the component provider serves, as `pulumi package
 * add` gets it (the SDK's analyzer over the package's tsconfig.json), in a
 * reviewable form: per component its inputs (type or enum, optional, plain,
 * description) and outputs, and every enum's values. `npm run schema` writes
 * it to tests/schema.snapshot.json, which a test compares with the package, so
 * an API change is a deliberate, reviewed diff.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
export const SCHEMA_SNAPSHOT = path.join(ROOT, "tests", "schema.snapshot.json");
export const COMPONENTS = ["LegacyHostBridge", "ZooKeeperCutover", "ZooKeeperEnsemble", "ZooKeeperNodeGroups", "ZooKeeperPodNetworking"];

interface Property {
    type?: string;
    $ref?: string;
    items?: Property;
    additionalProperties?: Property;
    optional?: boolean;
    plain?: boolean;
    secret?: boolean;
    description?: string;
}

function shape(p: Property): Record<string, unknown> {
    const kind = p.$ref ? p.$ref.replace(/^#\/types\/[^:]+:index:/, "") : p.type;
    return {
        type: kind,
        ...(p.items ? { items: shape(p.items).type } : {}),
        ...(p.additionalProperties ? { values: shape(p.additionalProperties).type } : {}),
        ...(p.optional ? { optional: true } : {}),
        ...(p.plain ? { plain: true } : {}),
        ...(p.secret ? { secret: true } : {}),
        ...(p.description ? { description: p.description } : {}),
    };
}

/** The schema in its reviewable form. */
export function schemaSummary(): Record<string, unknown> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Analyzer } = require("@pulumi/pulumi/provider/experimental/analyzer");
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const schema = new Analyzer(ROOT, pkg.name, pkg, new Set(COMPONENTS)).analyze();
    const sorted = (o: Record<string, Property>) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, shape(o[k])]));
    return {
        components: Object.fromEntries(
            COMPONENTS.map((name) => {
                const c = schema.components[name];
                return [name, { description: c.description, inputs: sorted(c.inputs), outputs: sorted(c.outputs) }];
            }),
        ),
        types: Object.fromEntries(
            Object.keys(schema.typeDefinitions)
                .sort()
                .map((name) => {
                    const t = schema.typeDefinitions[name];
                    return [name, t.enum ? { enum: t.enum.map((m: { value: unknown }) => m.value), description: t.description } : { properties: sorted(t.properties ?? {}) }];
                }),
        ),
    };
}

if (require.main === module) {
    fs.writeFileSync(SCHEMA_SNAPSHOT, JSON.stringify(schemaSummary(), null, 2) + "\n");
    process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_SNAPSHOT)}\n`);
}

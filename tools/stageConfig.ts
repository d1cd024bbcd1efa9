/**
 * A stage config read offline for the commands that act on a live or rehearsed
 * ensemble (`check health --config-file`, `rehearse --config-file`): the same
 * typed reading and validation as the stacks program, without planning it.
 */
import { guardCutover } from "../components/cutover/guard";
import { CutoverSettings, resolveCutoverSettings } from "../components/cutover/settings";
import { ZooKeeperConfigError } from "../components/shared/errors";
import { PROJECT, readStackConfig } from "../stacks/config";
import { UserInputError } from "./errors";
import { readStackConfigFile, resolveSource } from "./plan";

/** A stage config that cannot be used: printed as one block naming the file and every bad key. */
export class StageConfigError extends UserInputError {
    constructor(message: string) {
        super(message, "StageConfigError");
    }
}

export interface LoadedStage {
    /** The stack name (from the file name). */
    stack: string;
    /** The file as the user named it. */
    display: string;
    settings: CutoverSettings;
    /** The same config with `overrides` replacing typed values (e.g. another stage of the same environment), validated again. */
    with(overrides: Record<string, unknown>): CutoverSettings;
}

/**
 * Reads and validates `--stack NAME` or `--config-file FILE` (the file is read
 * once, whatever `with` asks later); throws a `StageConfigError` listing every
 * bad key.
 */
export function loadStage(source: { stack?: string; configFile?: string }): LoadedStage {
    const { stack, file, display } = resolveSource(source);
    const { config } = readStackConfigFile(file);
    const usable = <T>(read: () => T): T => {
        try {
            return read();
        } catch (err) {
            if (ZooKeeperConfigError.isInstance(err)) {
                const prefixed = err.keyPrefix === "" ? err.withPrefix(`${PROJECT}:`) : err;
                throw new StageConfigError(`${display} is not a usable stage config:\n${prefixed.message}`);
            }
            throw err;
        }
    };
    const typed = usable(() => readStackConfig(config));
    const settings = usable(() => resolveCutoverSettings(typed));
    return { stack, display, settings, with: (overrides) => usable(() => resolveCutoverSettings({ ...typed, ...overrides })) };
}

/**
 * The state a stage config leaves once deployed and applied again (the steady state of that stage: its volumes
 * exist, its bootstrap is over), with the config's settings, or undefined when the config does not validate
 * (planning it reports why). What `diff` compares a next stage against, and `plan --as-deployed` plans.
 */
export function deployedState(source: { stack?: string; configFile?: string }): { state: string; settings: CutoverSettings } | undefined {
    try {
        const { settings } = loadStage(source);
        return { state: JSON.stringify(guardCutover(settings, undefined).next), settings };
    } catch (err) {
        if (err instanceof StageConfigError) {
            return undefined;
        }
        throw err;
    }
}

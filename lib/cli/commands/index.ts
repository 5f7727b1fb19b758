import type { Command } from "commander";
import type { CliIo } from "../io";
import { registerKeys } from "./keys";
import { registerRotate } from "./rotate";

/** Adds one top-level command (and its subcommands) to the program. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

/** Every top-level command, in `--help` order. */
export const COMMANDS: readonly RegisterCommand[] = [registerKeys, registerRotate];

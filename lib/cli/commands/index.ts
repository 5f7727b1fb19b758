import type { Command } from "commander";
import type { CliIo } from "../io";
import { registerCensus } from "./census";
import { registerDemo } from "./demo";
import { registerDrill } from "./drill";
import { registerDue } from "./due";
import { registerEnvCommands } from "./env";
import { registerHealth } from "./health";
import { registerKeys } from "./keys";
import { registerRedis } from "./redis";
import { registerReview } from "./review";
import { registerRotate } from "./rotate";
import { registerSign, registerVerify } from "./sign-verify";
import { registerTls } from "./tls";

/** Adds one top-level command (and its subcommands) to the program. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

/** Every top-level command, in `--help` order. */
export const COMMANDS: readonly RegisterCommand[] = [registerKeys, registerRotate, registerEnvCommands, registerSign, registerVerify, registerDrill, registerDue, registerReview, registerTls, registerRedis, registerHealth, registerCensus, registerDemo];

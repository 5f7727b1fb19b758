import { addEnvCheckCommand, createEnvGroup } from "./env-check";
import { addEnvRenderCommand } from "./env-render";
import type { RegisterCommand } from "./index";

/** `stemguard env check|render`. */
export const registerEnvCommands: RegisterCommand = (program, io) => {
  const env = createEnvGroup(program);
  addEnvCheckCommand(env, io);
  addEnvRenderCommand(env, io);
};

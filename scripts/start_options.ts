import { parseArgs } from "node:util";

/** What `npm start -- …` was asked for, checked before anything is made or started. */
export interface StartOptions {
  port: number;
  /** `--config <path>`, as given. */
  config?: string;
  https: boolean;
  help: boolean;
}

export const START_USAGE = `Usage: npm start -- [--config <file.json>] [--port <n>] [--https]

Runs Jellyfish locally with \`wrangler dev\` and prints how to enroll.

Options:
  --config <file.json>  the configuration (JELLYFISH_CONFIG) to serve; without it,
                        jellyfish.json in this folder if it exists, else
                        wrangler.toml's [vars] JELLYFISH_CONFIG, else the
                        built-in development profiles. "env:NAME" values come
                        from the environment of npm start.
  --port <n>            the port on 127.0.0.1 (default: $PORT, else 8787)
  --https               serve TLS with a local certificate made once in .dev/
  -h, --help            this text

The development CA, MAC secret, admin token and the other secrets are made
once in .dev/ and reused; .dev.vars is written for wrangler on every start.
JELLYFISH_DEV_DIR=<folder> puts all of that, and the local state, in another
folder instead (the tests run several servers side by side that way).
`;

export class StartUsageError extends Error {}

export function parseStartOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): StartOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { config: { type: "string" }, port: { type: "string" }, https: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new StartUsageError((error as Error).message.split(/\.\s/)[0]!);
  }
  if (values.config === "") throw new StartUsageError("--config needs a file name");
  return {
    port: parsePort(values.port ?? env.PORT, values.port === undefined ? "PORT" : "--port"),
    config: values.config,
    https: values.https === true,
    help: values.help === true,
  };
}

function parsePort(value: string | undefined, name: string): number {
  if (value === undefined || value === "") return 8787;
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StartUsageError(`${name} must be 1..65535, not "${value}"`);
  return port;
}

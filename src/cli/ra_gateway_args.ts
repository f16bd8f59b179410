import { RA_GATEWAY_DEFAULTS } from "../ra/gateway.js";
import type { CommandSpec } from "./command_specs.js";
import { usageCommand } from "./usage.js";
import { UsageError } from "./usage_error.js";

/** The options of `jellyfish ra gateway`, checked before any file is read or port opened. */
export interface RaGatewayOptions {
  upstream: string;
  key: string;
  cert: string;
  trusted: string;
  host: string;
  port: number;
  batchSize: number;
  maxWaitMs: number;
  /** A PEM file of CA certificates to trust for an https upstream. */
  cacert?: string;
}

export interface RaGatewayValues {
  upstream?: string;
  key?: string;
  cert?: string;
  trusted?: string;
  listen?: string;
  batch?: string;
  "wait-ms"?: string;
  cacert?: string;
}

export const DEFAULT_RA_LISTEN = "127.0.0.1:8790";

export function raGatewayOptions(values: RaGatewayValues, spec: CommandSpec): RaGatewayOptions {
  const fail = (message: string): never => {
    throw new UsageError(message, usageCommand(spec));
  };
  let upstream: URL | undefined;
  try {
    upstream = new URL(values.upstream ?? "");
  } catch {
    fail(`--upstream "${values.upstream}" is not a URL, e.g. https://ca.example/.well-known/cmp/p/ra`);
  }
  if (upstream!.protocol !== "https:" && upstream!.protocol !== "http:") fail(`--upstream must be an http(s) URL, not ${upstream!.protocol}`);
  const listen = /^(.+):(\d{1,5})$/.exec(values.listen ?? DEFAULT_RA_LISTEN);
  const port = listen ? Number(listen[2]) : NaN;
  if (!listen || port > 65535) fail(`--listen "${values.listen}" is not host:port, e.g. ${DEFAULT_RA_LISTEN}`);
  const whole = (name: "batch" | "wait-ms", text: string | undefined, fallback: number, max: number): number => {
    if (text === undefined) return fallback;
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > max) fail(`--${name} must be a whole number from 1 to ${max}, not "${text}"`);
    return n;
  };
  return {
    upstream: upstream!.href,
    key: values.key!,
    cert: values.cert!,
    trusted: values.trusted!,
    host: listen![1]!.replace(/^\[(.*)\]$/, "$1"),
    port,
    // RFC 9483 §5.2.2.2 sets no bound; Jellyfish takes at most 32 messages per nest (src/cmp/nested.ts).
    batchSize: whole("batch", values.batch, RA_GATEWAY_DEFAULTS.batchSize, 32),
    maxWaitMs: whole("wait-ms", values["wait-ms"], RA_GATEWAY_DEFAULTS.maxWaitMs, 60_000),
    cacert: values.cacert,
  };
}

import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../../src/cli/args.js";
import type { RaGatewayOptions } from "../../src/cli/ra_gateway_args.js";

// `ra gateway` argument handling, in process: what the options turn into.

const REQUIRED = ["--upstream", "https://ca.example/.well-known/cmp/p/ra", "--key", "ra.key.pem", "--cert", "ra.pem", "--trusted", "ca.pem"];

function options(argv: string[]): RaGatewayOptions {
  const line = parseCommandLine(["ra", "gateway", ...REQUIRED, ...argv], {});
  if (line.kind !== "offline") throw new Error(`expected an offline command, got ${line.kind}`);
  return line.invocation.options.raGateway!;
}

function usageError(argv: string[]): string {
  try {
    parseCommandLine(["ra", "gateway", ...argv], {});
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
}

describe("ra gateway arguments", () => {
  it("defaults to 127.0.0.1:8790, nests of up to 8, one second's wait", () => {
    expect(options([])).toEqual({
      upstream: "https://ca.example/.well-known/cmp/p/ra",
      key: "ra.key.pem",
      cert: "ra.pem",
      trusted: "ca.pem",
      host: "127.0.0.1",
      port: 8790,
      batchSize: 8,
      maxWaitMs: 1000,
    });
  });

  it("takes a listen address (IPv6 in brackets), a batch size and a wait", () => {
    expect(options(["--listen", "[::1]:9000", "--batch", "3", "--wait-ms", "250"])).toMatchObject({ host: "::1", port: 9000, batchSize: 3, maxWaitMs: 250 });
  });

  it("refuses what would fail later: no upstream URL, a bad listen address, a batch over 32", () => {
    expect(usageError(REQUIRED.slice(2))).toMatch(/--upstream/);
    expect(usageError([...REQUIRED.slice(0, 1), "ftp://ca.example/", ...REQUIRED.slice(2)])).toMatch(/http\(s\) URL/);
    expect(usageError([...REQUIRED, "--listen", "8790"])).toMatch(/host:port/);
    expect(usageError([...REQUIRED, "--batch", "33"])).toMatch(/from 1 to 32/);
    expect(usageError([...REQUIRED, "--wait-ms", "0"])).toMatch(/from 1 to 60000/);
  });
});

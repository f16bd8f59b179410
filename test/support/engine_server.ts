import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { webcrypto } from "node:crypto";
import { loadConfig, type ConfigSource } from "../../src/config/load.js";
import { handleCmp } from "../../src/cmp/engine.js";
import type { CmpLogEntry, EngineContext } from "../../src/cmp/engine_types.js";
import type { CmpSigner } from "../../src/cmp/cmp_signer.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { SecretSealer } from "../../src/crypto/sealed_secret.js";
import { writeFile } from "node:fs/promises";
import type { TestCa } from "./test_ca.js";

export { makeTestCa, type TestCa } from "./test_ca.js";

/**
 * The engine behind a bare Node HTTP server on 127.0.0.1, with a memory
 * store: fast tests of protocol behaviour with the real `openssl cmp`.
 * (The Worker itself is tested by test/interop/ in Miniflare.)
 */
export interface EngineServer {
  url: string;
  store: MemoryStore;
  context: EngineContext;
  logs: CmpLogEntry[];
  /** Request bodies as received, in order. */
  requests: Uint8Array[];
  /** When set, rewrites a request before the engine sees it. */
  tamper?: (request: Uint8Array) => Promise<Uint8Array> | Uint8Array;
  /** Send raw bytes to the endpoint; returns the status and body. */
  post(body: Uint8Array, path?: string): Promise<{ status: number; body: Uint8Array }>;
  stop(): Promise<void>;
}

export async function writeCaPem(testCa: TestCa, path: string): Promise<string> {
  await writeFile(path, testCa.certificatePem);
  return path;
}

export async function startEngineServer(options: {
  ca: TestCa;
  config?: ConfigSource;
  now?: () => Date;
  /**
   * Dedicated CMP signers by profile name, as src/runtime/compose.ts builds
   * them from a profile's responseSigner (this server does not load those).
   */
  responseSigners?: ReadonlyMap<string, CmpSigner>;
  /** Key generation authorities by profile name, as compose.ts builds them from centralKeyGeneration.signer. */
  keyGenerationSigners?: EngineContext["keyGenerationSigners"];
  /** Opens enrollment codes (client-mode profiles), as src/runtime/compose.ts builds it from ENROLLMENT_CODE_KEY. */
  sealer?: SecretSealer;
  /** A store to share, e.g. between two servers playing two instances. */
  store?: MemoryStore;
  /** Quiet the engine's operational warnings (tests that provoke them on purpose). */
  quiet?: boolean;
}): Promise<EngineServer> {
  const store = options.store ?? new MemoryStore();
  const logs: CmpLogEntry[] = [];
  const requests: Uint8Array[] = [];
  const config = loadConfig(options.config ?? { CMP_SECRETS: JSON.stringify({ dev: "s3cret" }) });
  const context: EngineContext = {
    config,
    ca: options.ca.ca,
    store,
    responseSigners: options.responseSigners,
    keyGenerationSigners: options.keyGenerationSigners,
    sealer: options.sealer,
    now: options.now ?? (() => new Date()),
    randomBytes: (length) => webcrypto.getRandomValues(new Uint8Array(length)),
    warn: options.quiet ? () => undefined : (message, fields) => console.warn(message, fields),
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Uint8Array = new Uint8Array(Buffer.concat(chunks));
    requests.push(body);
    if (handle.tamper) body = await handle.tamper(body);
    const match = /^\/\.well-known\/cmp(?:\/p\/([^/]+))?/.exec(req.url ?? "");
    const profile = config.profiles.get(match?.[1] ?? config.defaultProfile);
    if (!profile) {
      res.writeHead(404).end();
      return;
    }
    const answer = await handleCmp(body, profile, context);
    logs.push(answer.log);
    res.writeHead(answer.httpStatus, { "content-type": "application/pkixcmp", "content-length": answer.body.length });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/.well-known/cmp`;
  const handle: EngineServer = {
    url,
    store,
    context,
    logs,
    requests,
    async post(body, path = "/.well-known/cmp") {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: "POST",
        headers: { "content-type": "application/pkixcmp" },
        body,
      });
      return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return handle;
}

import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { compose } from "./compose.js";
import { Instance } from "./instance.js";
import { settingsCaSigner as caSigner, settingsStore } from "./backends.js";
import { consoleLog, type Log } from "./log.js";
import { incomingHeader, readIncomingBody } from "./node_body.js";
import { Misconfigured, textSetting, type Settings } from "./settings.js";

/**
 * Jellyfish on plain Node (@hono/node-server): for self-hosting and for the
 * benchmark. The same composition as the Worker and Lambda; the store is
 * DynamoDB (STORE_TABLE) or, for one process, memory
 * (JELLYFISH_ALLOW_MEMORY_STORE=1); the CA key is CA_KEY or CA_KMS_KEY_ID.
 * HOST (default 127.0.0.1) and PORT (default 8080) say where to listen; the
 * expiry sweep runs every five minutes. The composition is built before it
 * listens: wrong settings stop the start (Misconfigured), so a service
 * manager sees the failure instead of a server answering 503.
 */

export interface NodeServer {
  url: string;
  instance: Instance;
  close(): Promise<void>;
}

export interface NodeOptions {
  log?: Log;
  sweepIntervalMs?: number;
}

/** Throws Misconfigured, without listening, when the settings are wrong. */
export async function startNodeServer(settings: Settings, options: NodeOptions = {}): Promise<NodeServer> {
  const log = options.log ?? consoleLog;
  const instance = new Instance(
    () => compose({ settings, log, makeSigner: () => caSigner(settings), makeStore: () => settingsStore(settings, log), readBody: readIncomingBody, header: incomingHeader }),
    log,
  );
  await instance.prepare();
  const host = textSetting(settings, "HOST") ?? "127.0.0.1";
  const port = Number(textSetting(settings, "PORT") ?? 8080);
  const server: ServerType = await new Promise((listening) => {
    const started = serve({ fetch: (request, env) => instance.fetch(request, env), hostname: host, port }, () => listening(started));
  });
  const sweeper = setInterval(() => void instance.sweep(), options.sweepIntervalMs ?? 5 * 60_000);
  sweeper.unref();
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    instance,
    close: () =>
      new Promise<void>((closed, failed) => {
        clearInterval(sweeper);
        server.close((error) => (error ? failed(error) : closed()));
      }),
  };
}

// `tsx src/runtime/node.ts`: serve with the process environment.
if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const server = await startNodeServer(process.env);
    consoleLog({ outcome: "listening", url: `${server.url}/.well-known/cmp` });
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void server.close().then(() => process.exit(0)));
  } catch (error) {
    if (!(error instanceof Misconfigured)) throw error;
    // The JSON log line is written already (Instance.prepare); this one is for whoever started it by hand.
    console.error(`jellyfish: not started, misconfigured: ${error.message}`);
    // A KMS client that did connect may hold sockets open: exit rather than wait for them.
    process.exit(1);
  }
}

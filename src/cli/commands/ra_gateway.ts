import { readFile } from "node:fs/promises";
import { decodeCertificatesPem } from "../../asn1/pem.js";
import { loadLocalKeyAndCertificates } from "../../ca/local_key_pair.js";
import { startRaGateway } from "../../ra/gateway.js";
import { fetchTrusting } from "../https_fetch.js";
import { CommandFailed, type OfflineHandler } from "./context.js";

/**
 * `jellyfish ra gateway`: a registration authority on this machine, between
 * devices that speak CMP over HTTP and the CA (src/ra/gateway.ts). Runs
 * until interrupted; one JSON line per nest it forwards.
 */
export const raGateway: OfflineHandler = async (context, { options }) => {
  const settings = options.raGateway!;
  const text = async (path: string) => {
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      throw new CommandFailed(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  let credentials;
  try {
    credentials = await loadLocalKeyAndCertificates(await text(settings.key), await text(settings.cert), { key: settings.key, certificates: settings.cert });
  } catch (error) {
    if (error instanceof CommandFailed) throw error;
    throw new CommandFailed(error instanceof Error ? error.message : String(error));
  }
  const anchors = decodeCertificatesPem(await text(settings.trusted));
  if (anchors.length === 0) throw new CommandFailed(`${settings.trusted} holds no certificate`);
  const fetch = settings.cacert === undefined ? undefined : fetchTrusting(await text(settings.cacert));
  let gateway;
  try {
    gateway = await startRaGateway({
      upstream: settings.upstream,
      signer: credentials.signer,
      certificates: credentials.certificates,
      anchors,
      host: settings.host,
      port: settings.port,
      batchSize: settings.batchSize,
      maxWaitMs: settings.maxWaitMs,
      fetch,
      log: (line) => context.stdout(`${JSON.stringify({ time: context.now().toISOString(), ...line })}\n`),
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CommandFailed(code === "EADDRINUSE" ? `${settings.host}:${settings.port} is in use` : `cannot listen on ${settings.host}:${settings.port}: ${String(error)}`);
  }
  context.stderr(`RA gateway at ${gateway.url}, forwarding to ${settings.upstream} in nests of up to ${settings.batchSize} (Ctrl-C stops it)\n`);
  await new Promise<void>((stop) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => stop());
  });
  await gateway.close();
};

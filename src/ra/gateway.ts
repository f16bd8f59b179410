import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CmpClient, CmpClientError } from "../client/index.js";
import { batchingFetch } from "../client/nesting.js";
import { PKIXCMP, isPkixCmp } from "../http/media_type.js";
import type { Signer } from "../kms/signer.js";

/**
 * A registration authority in front of Jellyfish (RFC 9483 §5.2.2): end
 * entities (`openssl cmp` and the like) send their messages here; the
 * gateway forwards them to the CA in nested messages it signs, up to
 * `batchSize` in one nest (§5.2.2.2) or, alone, with its protection added
 * (§5.2.2.1), and answers each end entity with the CA's answer to its
 * message. It keeps no state: what belongs to a transaction travels in the
 * messages, and each end entity checks its own answers.
 */
export interface RaGatewayOptions {
  /** The CA's CMP endpoint, e.g. https://ca.example/.well-known/cmp/p/ra. */
  upstream: string;
  /** The RA's key and certificate chain (its certificate first): every nest is signed with them. */
  signer: Signer;
  certificates: Uint8Array[];
  /** Trust anchors for the CA's signed nests. */
  anchors: Uint8Array[];
  host?: string;
  port?: number;
  /** Most messages in one nest; a batch goes when this many wait, or maxWaitMs after the first. */
  batchSize?: number;
  maxWaitMs?: number;
  /** Largest message accepted from an end entity, in bytes. */
  maxRequestBytes?: number;
  log?: (line: object) => void;
  fetch?: typeof globalThis.fetch;
}

export interface RaGateway {
  url: string;
  close(): Promise<void>;
}

export const RA_GATEWAY_DEFAULTS = { batchSize: 8, maxWaitMs: 1_000, maxRequestBytes: 64 * 1024 } as const;

export async function startRaGateway(options: RaGatewayOptions): Promise<RaGateway> {
  const log = options.log ?? (() => undefined);
  const ra = new CmpClient({
    url: options.upstream,
    protection: { signature: { signer: options.signer, certificates: options.certificates } },
    trust: { anchors: options.anchors },
    fetch: options.fetch ? (input, init) => options.fetch!(input, init) : undefined,
  });
  const send = async (messages: Uint8Array[]): Promise<Uint8Array[]> => {
    const started = Date.now();
    try {
      const answers = messages.length === 1 ? [await ra.addProtection(messages[0]!)] : await ra.batch(messages);
      log({ outcome: "forwarded", messages: messages.length, nested: messages.length === 1 ? "added protection" : "batch", ms: Date.now() - started });
      return answers;
    } catch (error) {
      log({ outcome: "failed", messages: messages.length, error: error instanceof Error ? error.message : String(error), ms: Date.now() - started });
      throw error;
    }
  };
  const forward = batchingFetch(send, options.batchSize ?? RA_GATEWAY_DEFAULTS.batchSize, options.maxWaitMs ?? RA_GATEWAY_DEFAULTS.maxWaitMs);
  const maxBytes = options.maxRequestBytes ?? RA_GATEWAY_DEFAULTS.maxRequestBytes;

  const server = createServer((request, response) => void serve(request, response));
  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // RFC 9811 §3.1, §3.2: CMP over HTTP is a POST of application/pkixcmp.
    if (request.method !== "POST") return plain(response, 405, "method not allowed", { allow: "POST" });
    if (!isPkixCmp(request.headers["content-type"])) return plain(response, 415, `content type must be ${PKIXCMP}`);
    const body = await readBody(request, maxBytes);
    if (!body) return plain(response, 413, "request too large", { connection: "close" });
    try {
      const answer = new Uint8Array(await (await forward(options.upstream, { method: "POST", headers: { "content-type": PKIXCMP }, body, redirect: "manual", signal: new AbortController().signal })).arrayBuffer());
      response.writeHead(200, { "content-type": PKIXCMP, "content-length": answer.byteLength }).end(answer);
    } catch (error) {
      // The CA refused the nest as a whole, or could not be reached: no answer exists that the end entity could verify.
      const reason = error instanceof CmpClientError ? error.message : "the CA could not be reached";
      plain(response, 502, `the registration authority could not forward the message: ${reason}`);
    }
  }

  await new Promise<void>((listening, failed) => {
    server.once("error", failed);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => listening());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/.well-known/cmp`,
    close: () => new Promise((closed) => server.close(() => closed())),
  };
}

function plain(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers }).end(text);
}

/** The whole body, or undefined once it passes `max` bytes (the rest is not read). */
function readBody(request: IncomingMessage, max: number): Promise<Uint8Array | undefined> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    let length = 0;
    request.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length > max) {
        request.removeAllListeners("data");
        request.pause();
        return done(undefined);
      }
      chunks.push(chunk);
    });
    request.once("end", () => done(new Uint8Array(Buffer.concat(chunks))));
    request.once("error", () => done(undefined));
  });
}

import { Agent, request } from "node:http";
import type { Fetch } from "../../src/client/options.js";

/**
 * A Fetch over a single kept-alive HTTP connection (node:http, one socket),
 * for OpenSSL's mock server (`openssl cmp -port`). The mock serves one
 * connection at a time and, once a connection is kept alive, reads only from
 * it. The platform fetch (undici) pools connections: a request sent the
 * moment the previous answer arrived, before its socket is back in the pool,
 * goes out on a second connection that the mock does not read until its
 * read timeout drops the first one (5 s), and with it the transaction
 * ("unexpected pkibody" to a pollReq). Queuing on one socket is what
 * `openssl cmp` itself does.
 */
export function oneConnectionFetch(): { fetch: Fetch; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const fetch: Fetch = async (url, init) => {
    try {
      return await post(agent, url, init);
    } catch (error) {
      // The mock closes a kept-alive connection once a transaction ends, after
      // answering with "Connection: keep-alive"; a request already on its way
      // over that socket was never read (Node's documented case for
      // req.reusedSocket), so it goes again, once, on a new connection.
      if ((error as { reusedSocket?: boolean }).reusedSocket) return post(agent, url, init);
      throw error;
    }
  };
  return { fetch, close: () => agent.destroy() };
}

function post(agent: Agent, url: string, init: Parameters<Fetch>[1]): Promise<Response> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: init.method, headers: { ...init.headers, "content-length": String(init.body.length) }, agent, signal: init.signal },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", reject);
        incoming.on("end", () => {
          const headers = Object.entries(incoming.headers).filter((entry): entry is [string, string] => typeof entry[1] === "string");
          resolve(new Response(Buffer.concat(chunks), { status: incoming.statusCode ?? 502, headers }));
        });
      },
    );
    outgoing.on("error", (error: NodeJS.ErrnoException) => {
      const resetBeforeAnswer = outgoing.reusedSocket && (error.code === "ECONNRESET" || error.message === "socket hang up");
      reject(Object.assign(error, { reusedSocket: resetBeforeAnswer }));
    });
    outgoing.end(init.body);
  });
}

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP proxy between `openssl cmp` and a server that can rewrite
 * requests on the way: how a test sends the real client's message with one
 * field changed (see reprotect.ts).
 */
export interface TamperProxy {
  /** The proxy's URL for the same path as the target's. */
  url: string;
  stop(): Promise<void>;
}

export async function startTamperProxy(target: string, tamper: (request: Uint8Array) => Promise<Uint8Array> | Uint8Array): Promise<TamperProxy> {
  const targetUrl = new URL(target);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = await tamper(new Uint8Array(Buffer.concat(chunks)));
    const answer = await fetch(new URL(req.url ?? "/", targetUrl.origin), {
      method: req.method,
      headers: { "content-type": req.headers["content-type"] ?? "application/pkixcmp" },
      body: req.method === "POST" ? body : undefined,
    });
    const bytes = new Uint8Array(await answer.arrayBuffer());
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "", "content-length": bytes.length });
    res.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${targetUrl.pathname}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

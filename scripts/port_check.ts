import { createServer } from "node:net";

/**
 * Whether `port` on 127.0.0.1 is free, found by binding it and letting go.
 * Checked before wrangler starts: wrangler would otherwise pick another port
 * or fail late, and the banner could describe someone else's server.
 */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") resolve(false);
      else reject(error);
    });
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function busyPortMessage(port: number): string {
  return `port ${port} is in use; another server is listening there; choose another with --port`;
}

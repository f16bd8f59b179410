import { createServer } from "node:net";

// Below Linux's ephemeral range (32768–60999 by default). The kernel's own
// choice (listen on port 0) comes from that range, where a port just released
// by one test process is soon handed to the next: two servers started in
// parallel then got the same port, and a test talked to the other one. A
// random port from a range the kernel does not hand out makes that unlikely.
const LOW = 20_000;
const HIGH = 32_000;

/** A port nobody listens on right now on 127.0.0.1: a random one, bound once and released. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${LOW}..${HIGH} after 50 tries`);
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

import { connect, type Socket } from "node:net";

/**
 * One HTTP/1.1 connection driven byte by byte, for requests no HTTP client
 * library will send (a lying Content-Length, a body trickled a byte at a
 * time, thousands of headers) and to see what the server does with the
 * connection afterwards: answer again on it, or close it.
 */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private methods: string[] = [];
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiter?.();
    });
    // A reset after the server closed is a close like any other here.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  /** Writes bytes; `method` is that of the request they begin, if they begin one (HEAD answers carry no body). */
  write(bytes: Buffer | string, method?: string): void {
    if (method) this.methods.push(method);
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes, () => undefined);
  }

  /** The next whole response, or "closed" when the server closes the connection before one is complete. */
  async response(): Promise<RawResponse | "closed"> {
    for (;;) {
      const parsed = this.parse();
      if (parsed) return parsed;
      if (this.closed) return "closed";
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }

  /** Resolves once the server has closed the connection. */
  async whenClosed(): Promise<void> {
    while (!this.closed) {
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private parse(): RawResponse | undefined {
    const end = this.buffer.indexOf("\r\n\r\n");
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.buffer.subarray(0, end).toString("latin1").split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const rest = this.buffer.subarray(end + 4);
    let body: Buffer;
    let used: number;
    if (this.methods[0] === "HEAD" || status === 204 || status === 304) {
      body = Buffer.alloc(0);
      used = 0;
    } else if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      if (rest.length < length) return undefined;
      body = rest.subarray(0, length);
      used = length;
    } else if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
      const decoded = decodeChunked(rest);
      if (!decoded) return undefined;
      ({ body, used } = decoded);
    } else {
      // Delimited by the close of the connection.
      if (!this.closed) return undefined;
      body = rest;
      used = rest.length;
    }
    this.buffer = rest.subarray(used);
    this.methods.shift();
    return { status, headers, body };
  }
}

function decodeChunked(bytes: Buffer): { body: Buffer; used: number } | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = bytes.indexOf("\r\n", offset);
    if (lineEnd < 0) return undefined;
    const size = parseInt(bytes.subarray(offset, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) {
      const trailerEnd = bytes.indexOf("\r\n\r\n", lineEnd);
      return trailerEnd < 0 ? undefined : { body: Buffer.concat(parts), used: trailerEnd + 4 };
    }
    if (bytes.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}

/** A request head; `headers` after Host, each a "Name: value" line. */
export function requestHead(method: string, path: string, headers: readonly string[]): string {
  return [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1", ...headers, "", ""].join("\r\n");
}

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { OpensslResult } from "./openssl.js";
import { RawConnection, requestHead, type RawResponse } from "./raw_http.js";

/**
 * Issue 12: request shapes that once stopped `wrangler dev` (a 413 left the
 * next request a 503) or could hold a server open (a body trickled forever).
 * The same requests run against every runtime (test/interop/ for the Worker
 * bundle in workerd, test/runtime/ for Node); after each, the server must
 * answer a CMP message on the same connection (or have closed it, where it
 * refused a body it did not read), and enroll `openssl cmp` on a new one.
 * The target runs with limits.maxRequestBytes 65536 (the default) and a
 * short limits.bodyReadTimeoutSeconds (1 in the runtime tests; `npm start`
 * has the default 10, within the test timeout).
 */
export interface HostileTarget {
  port: number;
  /** A MAC `openssl cmp -cmd ir` against the target, named `name`. */
  enroll(name: string): Promise<OpensslResult>;
}

const CMP = "/.well-known/cmp";
const TYPE = "Content-Type: application/pkixcmp";
const FIXTURE_IR = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../fixtures/openssl/ir-mac-1-ir.der"));
const OVER = 65_537;

interface Shape {
  name: string;
  /** Sends the request on `connection`; returns its method. */
  send(connection: RawConnection): string;
  /** The status expected; undefined: any 4xx, or the connection closed without one (a parser's refusal). */
  status?: number;
  /**
   * The server may close the connection after its answer: it did not read
   * the whole body (workerd closes a connection whose body the Worker left
   * unread rather than drain it; Node closes after Connection: close).
   */
  mayClose?: boolean;
  /**
   * The server may even close before the client reads the answer: the body
   * goes on so far past the limit that the server stops reading it, and a
   * close while the client still sends is a reset (workerd does no lingering
   * close), which loses the answer in flight.
   */
  mayCloseUnanswered?: boolean;
}

function post(connection: RawConnection, headers: string[], body: Buffer | string = ""): string {
  connection.write(Buffer.concat([Buffer.from(requestHead("POST", CMP, headers)), Buffer.from(body)]), "POST");
  return "POST";
}

function chunked(connection: RawConnection, size: number, chunk = 64 * 1024): string {
  connection.write(requestHead("POST", CMP, [TYPE, "Transfer-Encoding: chunked"]), "POST");
  for (let sent = 0; sent < size; sent += chunk) {
    const length = Math.min(chunk, size - sent);
    connection.write(Buffer.concat([Buffer.from(`${length.toString(16)}\r\n`), Buffer.alloc(length, 0x41), Buffer.from("\r\n")]));
  }
  connection.write("0\r\n\r\n");
  return "POST";
}

/** Sends the head and one byte of a 1000-byte body, then a byte every 100 ms until the answer or the close. */
function trickle(connection: RawConnection): string {
  connection.write(requestHead("POST", CMP, [TYPE, "Content-Length: 1000"]) + "0", "POST");
  const timer = setInterval(() => (connection.closed ? clearInterval(timer) : connection.write("0")), 100);
  // At most 30 s, whatever the server does: the test process must stop by itself.
  setTimeout(() => clearInterval(timer), 30_000).unref();
  void connection.response().finally(() => clearInterval(timer));
  return "POST";
}

/** The body a Worker stops draining (src/http/read_body.ts DRAIN_MAX_BYTES). */
export const PAST_DRAIN_BOUND = "chunked, 3 MiB: past the limit and the drain bound";

export const SHAPES: Shape[] = [
  { name: "oversized, with Content-Length", send: (c) => post(c, [TYPE, `Content-Length: ${OVER}`], Buffer.alloc(OVER)), status: 413, mayClose: true },
  // 16 times the limit: on a loaded machine the client is still sending when
  // workerd, having answered 413, closes, and the reset loses the answer in
  // flight (seen in full runs at load 5+, never alone); what must hold is
  // that nothing is read past the limit and the server stays healthy.
  { name: "a Content-Length of 1 MiB", send: (c) => post(c, [TYPE, `Content-Length: ${1 << 20}`], Buffer.alloc(1 << 20)), status: 413, mayClose: true, mayCloseUnanswered: true },
  { name: "oversized, chunked, no Content-Length", send: (c) => chunked(c, OVER), status: 413, mayClose: true },
  { name: PAST_DRAIN_BOUND, send: (c) => chunked(c, 3 << 20), status: 413, mayClose: true, mayCloseUnanswered: true },
  { name: "a body trickled a byte at a time, past the read deadline", send: trickle, status: 408, mayClose: true },
  { name: "wrong content type", send: (c) => post(c, ["Content-Type: text/plain", "Content-Length: 5"], "hello"), status: 415, mayClose: true },
  { name: "no content type", send: (c) => post(c, ["Content-Length: 5"], "hello"), status: 415, mayClose: true },
  { name: "empty body", send: (c) => post(c, [TYPE, "Content-Length: 0"]), status: 400 },
  { name: "garbage body", send: (c) => post(c, [TYPE, "Content-Length: 9"], "not a DER"), status: 400 },
  ...["HEAD", "GET", "PUT"].map((method) => ({
    name: method,
    send: (c: RawConnection) => {
      c.write(requestHead(method, CMP, method === "PUT" ? [TYPE, "Content-Length: 3"] : []) + (method === "PUT" ? "abc" : ""), method);
      return method;
    },
    status: 405,
    mayClose: method === "PUT",
  })),
  {
    name: "an 8 KiB path",
    send: (c) => {
      c.write(requestHead("POST", `${CMP}/p/${"a".repeat(8192)}`, [TYPE, "Content-Length: 0"]), "POST");
      return "POST";
    },
    status: 404,
  },
  {
    name: "a 100 KiB path",
    send: (c) => {
      c.write(requestHead("POST", `${CMP}/p/${"a".repeat(100 * 1024)}`, [TYPE, "Content-Length: 0"]), "POST");
      return "POST";
    },
    mayClose: true,
  },
  {
    name: "2000 headers",
    send: (c) => post(c, [TYPE, "Content-Length: 0", ...Array.from({ length: 2000 }, (_, i) => `X-Header-${i}: ${i}`)]),
    mayClose: true,
  },
];

/**
 * `trickling`: how many slow bodies at once (issue 12 saw 300 never closed).
 * `skip`: names of shapes a target is known not to survive, each with its reason in the caller.
 */
export function hostileRequestSuite(name: string, target: () => HostileTarget, trickling = 100, skip: readonly string[] = []): void {
  describe(`hostile requests: ${name}`, () => {
    it.each(SHAPES.filter((shape) => !skip.includes(shape.name)))("$name: refused, then a CMP answer on the same connection and an enrollment on a new one", async (shape) => {
      const { port, enroll } = target();
      const connection = await RawConnection.open(port);
      try {
        shape.send(connection);
        const answer = await connection.response();
        if (answer === "closed") {
          expect(shape.status === undefined || shape.mayCloseUnanswered, "the server closed the connection without an answer").toBe(true);
        } else if (shape.status !== undefined) {
          expect(answer.status).toBe(shape.status);
        } else {
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.status).toBeLessThan(500);
        }
        if (answer !== "closed" && answer.headers.connection?.toLowerCase() === "close") await connection.whenClosed();

        // The same connection: still serving CMP, or closed by the server (never a 5xx, never a hang).
        if (!connection.closed) {
          post(connection, [TYPE, `Content-Length: ${FIXTURE_IR.length}`], FIXTURE_IR);
          const next = await connection.response();
          if (next === "closed") expect(shape.mayClose, "closed a connection it should have kept").toBe(true);
          else {
            expect(next.status).toBe(200);
            expect(next.headers["content-type"]).toBe("application/pkixcmp");
          }
        } else {
          expect(shape.mayClose, "closed a connection it should have kept").toBe(true);
        }
      } finally {
        connection.destroy();
      }

      const enrolled = await enroll(`after-${shape.name.replace(/\W+/g, "-")}`);
      expect(enrolled.code, enrolled.stderr).toBe(0);
    });

    it(`closes ${trickling} connections whose bodies trickle in, each with 408`, async () => {
      const { port } = target();
      const connections = await Promise.all(Array.from({ length: trickling }, () => RawConnection.open(port)));
      try {
        const answers = await Promise.all(
          connections.map(async (connection) => {
            trickle(connection);
            const answer = await connection.response();
            await connection.whenClosed();
            return answer === "closed" ? "closed" : answer.status;
          }),
        );
        expect(answers).toEqual(connections.map(() => 408));
      } finally {
        for (const connection of connections) connection.destroy();
      }
    });
  });
}

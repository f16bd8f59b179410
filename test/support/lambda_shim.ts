import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2 } from "aws-lambda";

/**
 * A loopback stand-in for a Lambda Function URL: each HTTP request becomes a
 * payload format 2.0 event, the handler runs in this process, and its result
 * becomes the HTTP answer. It follows "Invoking Lambda function URLs",
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
 * ("Request payload format", "Response payload format"):
 *  - version "2.0", routeKey/stage "$default", rawPath and rawQueryString as
 *    sent, header names lower-cased with repeated headers joined by commas,
 *    cookies moved out of the headers into `cookies`;
 *  - requestContext.http = { method, path, protocol, sourceIp, userAgent };
 *  - a body is base64-encoded (isBase64Encoded true) unless its content type
 *    is text/* or application/json, which arrive as text;
 *  - the answer is statusCode, headers, cookies (one Set-Cookie each) and
 *    body, decoded from base64 when isBase64Encoded.
 * It is stricter than AWS where that catches our bugs: a result without a
 * statusCode (AWS would infer a JSON answer), a body that is not valid
 * base64, or a Content-Length header that disagrees with the body is
 * answered 502 and kept in `failures`. Binds 127.0.0.1 on a free port.
 */

/** Anything that takes a Function URL event: the handler under test. */
export type FunctionUrlHandler = (event: APIGatewayProxyEventV2) => Promise<unknown>;

export interface LambdaShim {
  /** Base URL without trailing slash, e.g. http://127.0.0.1:40123 */
  url: string;
  /** The events the handler received, in order. */
  events: APIGatewayProxyEventV2[];
  /** Why a result could not be turned into an answer (each answered 502). */
  failures: string[];
  stop(): Promise<void>;
}

// Lambda's limit for a synchronous invocation's request payload.
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export async function startLambdaShim(handler: FunctionUrlHandler): Promise<LambdaShim> {
  const events: APIGatewayProxyEventV2[] = [];
  const failures: string[] = [];

  const server = createServer((request, response) => {
    void serve(request, response).catch((error: unknown) => {
      failures.push(`shim: ${String(error)}`);
      if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" });
      response.end("Bad Gateway");
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    if (body === undefined) {
      response.writeHead(413, { "content-type": "text/plain" }).end("Request Entity Too Large");
      return;
    }
    const event = toEvent(request, body, localHost(request));
    events.push(event);
    let result: unknown;
    try {
      result = await handler(event);
    } catch (error) {
      // A function error: Function URLs answer 502 without details.
      failures.push(`handler threw: ${String(error)}`);
      response.writeHead(502, { "content-type": "text/plain" }).end("Internal Server Error");
      return;
    }
    const answer = toAnswer(result);
    if (typeof answer === "string") {
      failures.push(answer);
      response.writeHead(502, { "content-type": "text/plain" }).end("Bad Gateway");
      return;
    }
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  function localHost(request: IncomingMessage): string {
    return request.headers.host ?? `127.0.0.1:${port}`;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    events,
    failures,
    stop: () =>
      new Promise<void>((resolve) => {
        // Clients keep connections open (openssl asks for keep-alive): drop them so close() returns.
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The body, or undefined when it is over Lambda's payload limit. */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toEvent(request: IncomingMessage, body: Buffer, host: string): APIGatewayProxyEventV2 {
  const target = request.url ?? "/";
  const query = target.indexOf("?");
  const rawPath = query === -1 ? target : target.slice(0, query);
  const rawQueryString = query === -1 ? "" : target.slice(query + 1);
  const { headers, cookies } = eventHeaders(request.rawHeaders);
  const method = request.method ?? "GET";
  const now = new Date();
  const textual = isTextual(headers["content-type"]);
  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: "anonymous",
      apiId: "lambda-shim",
      domainName: host,
      domainPrefix: host.split(".")[0] ?? host,
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: body.length > 0 && !textual,
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (rawQueryString) event.queryStringParameters = queryParameters(rawQueryString);
  if (body.length > 0) event.body = textual ? body.toString("utf8") : body.toString("base64");
  return event;
}

/** Header names lower-cased, repeats joined by commas; the Cookie header becomes the cookies list. */
function eventHeaders(raw: string[]): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === "cookie") {
      cookies.push(...value.split(";").map((cookie) => cookie.trim()).filter(Boolean));
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

function queryParameters(rawQueryString: string): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  }
  return parameters;
}

function isTextual(contentType: string | undefined): boolean {
  const essence = (contentType ?? "").split(";", 1)[0]!.trim().toLowerCase();
  return essence.startsWith("text/") || essence === "application/json";
}

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** The HTTP answer for a handler's result, or why there cannot be one. */
function toAnswer(result: unknown): Answer | string {
  if (typeof result !== "object" || result === null || typeof (result as { statusCode?: unknown }).statusCode !== "number") {
    return `result has no numeric statusCode: ${JSON.stringify(result)?.slice(0, 200)}`;
  }
  const { statusCode, headers, cookies, body, isBase64Encoded } = result as {
    statusCode: number;
    headers?: Record<string, unknown>;
    cookies?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
  };
  if (body !== undefined && typeof body !== "string") return `body is a ${typeof body}, not a string`;
  const text = body ?? "";
  if (isBase64Encoded === true && !isBase64(text)) return "isBase64Encoded, but the body is not base64";
  const bytes = isBase64Encoded === true ? Buffer.from(text, "base64") : Buffer.from(text, "utf8");

  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return `header ${name} is a ${typeof value}`;
    out[name.toLowerCase()] = String(value);
  }
  if (Array.isArray(cookies) && cookies.length > 0) out["set-cookie"] = cookies.map(String);
  const declared = out["content-length"];
  if (declared !== undefined && declared !== String(bytes.length)) {
    return `Content-Length ${String(declared)} but the body has ${bytes.length} bytes`;
  }
  // A buffered answer: always a Content-Length, never chunked.
  delete out["transfer-encoding"];
  out["content-length"] = String(bytes.length);
  return { status: statusCode, headers: out, body: bytes };
}

function isBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

/** The time as requestContext.time carries it, e.g. 10/Apr/2022:13:30:05 +0000. */
function clfTime(date: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * Checks an AWS Signature Version 4 request signature the way AWS does
 * (AWS General Reference, "Create a signed AWS API request": canonical
 * request, string to sign, HMAC-SHA256 key derivation), so the emulator
 * refuses what real KMS would refuse, and a signer that is wrong in workerd
 * shows up in tests.
 */

export interface Sigv4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Why a request is refused, as AWS names it. */
export interface Sigv4Failure {
  code: "MissingAuthenticationTokenException" | "IncompleteSignatureException" | "UnrecognizedClientException" | "InvalidSignatureException";
  message: string;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

export function checkSigv4(
  request: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer },
  expected: { credentials: Sigv4Credentials; region: string; service: string },
): Sigv4Failure | undefined {
  const authorization = request.headers.authorization;
  if (authorization === undefined) return { code: "MissingAuthenticationTokenException", message: "Missing Authentication Token" };
  const match = AUTHORIZATION.exec(authorization);
  if (!match) return { code: "IncompleteSignatureException", message: `Authorization header is not AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…: ${authorization}` };
  const [, accessKeyId, day, region, service, signedHeaders, signature] = match as unknown as string[];
  if (accessKeyId !== expected.credentials.accessKeyId) {
    return { code: "UnrecognizedClientException", message: "The security token included in the request is invalid." };
  }
  if (expected.credentials.sessionToken !== undefined && request.headers["x-amz-security-token"] !== expected.credentials.sessionToken) {
    return { code: "UnrecognizedClientException", message: "The security token included in the request is invalid." };
  }
  if (region !== expected.region || service !== expected.service) {
    return { code: "InvalidSignatureException", message: `Credential should be scoped to region '${expected.region}' and service '${expected.service}'.` };
  }
  const amzDate = request.headers["x-amz-date"];
  if (typeof amzDate !== "string" || !amzDate.startsWith(day!)) {
    return { code: "IncompleteSignatureException", message: "X-Amz-Date is missing or does not match the credential scope's date." };
  }
  const names = signedHeaders!.split(";");
  if (!names.includes("host") || !names.includes("x-amz-date")) {
    return { code: "InvalidSignatureException", message: "SignedHeaders must include host and x-amz-date." };
  }
  const canonicalHeaders = names.map((name) => `${name}:${canonicalValue(request.headers[name])}\n`).join("");
  const canonicalRequest = [request.method, request.path, "", canonicalHeaders, signedHeaders, sha256Hex(request.body)].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(Buffer.from(canonicalRequest))].join("\n");
  let key = hmac(`AWS4${expected.credentials.secretAccessKey}`, day!);
  for (const part of [region!, service!, "aws4_request"]) key = hmac(key, part);
  const wanted = hmac(key, stringToSign);
  if (!timingSafeEqual(wanted, Buffer.from(signature!, "hex"))) {
    return {
      code: "InvalidSignatureException",
      message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
    };
  }
  return undefined;
}

/** Header values trimmed, inner runs of spaces collapsed; repeated headers joined by commas. */
function canonicalValue(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(",") : (value ?? "");
  return text.trim().replace(/\s+/g, " ");
}

function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

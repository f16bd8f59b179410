import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { Hono } from "hono/tiny";
import { defaultIsContentTypeBinary, handle } from "hono/aws-lambda";
import type { ExpirySweep } from "../cmp/expiry.js";
import { isPkixCmp } from "../http/media_type.js";
import { OCSP_RESPONSE } from "../http/ocsp.js";
import { compose } from "./compose.js";
import { Instance } from "./instance.js";
import { settingsCaSigner, settingsStore } from "./backends.js";
import { consoleLog, type Log } from "./log.js";
import type { Settings } from "./settings.js";

/**
 * The AWS Lambda entry, for Lambda Function URLs and API Gateway HTTP APIs
 * (payload format 2.0), plus the EventBridge schedule that runs the expiry
 * sweep. Settings are environment variables:
 *
 *   JELLYFISH_CONFIG, CMP_SECRETS, ADMIN_TOKEN(S), ENROLLMENT_CODE_KEY  as on Workers
 *   CA_CERT                        the CA certificate PEM, then its chain
 *   CA_KMS_KEY_ID | CA_KEY         the CA key in AWS KMS, or a PKCS #8 PEM (development);
 *                                  KMS also reads CA_KMS_SIGNING_ALGORITHM, KMS_TIMEOUT_MS
 *   STORE_TABLE                    the DynamoDB table; without it, a memory store only
 *                                  with JELLYFISH_ALLOW_MEMORY_STORE=1
 *   AWS_REGION                     set by Lambda itself
 *   AWS_LAMBDA_FUNCTION_NAME       set by Lambda itself: build at init (see the end)
 *   DYNAMODB_ENDPOINT, KMS_ENDPOINT  local stand-ins, for tests
 *
 * With an HTTP API, serve from its $default stage: a named stage is put in
 * front of rawPath ("/prod/.well-known/cmp"), which no route matches.
 *
 * Secrets as plain environment variables are the simple path: anyone who may
 * read the function's configuration reads them. The production path is
 * Secrets Manager or SSM Parameter Store, read at cold start; that is out of
 * scope here.
 */

export interface LambdaOptions {
  log?: Log;
  /** Tests pass a fixed clock and random source to compare answers byte for byte. */
  now?: () => Date;
  randomBytes?: (length: number) => Uint8Array;
}

export type HttpHandler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LambdaHandlers {
  /** Build the composition now (Instance.prepare): throws Misconfigured, logs and survives anything else. */
  prepare: () => Promise<void>;
  /** Function URL / HTTP API (payload 2.0) requests. */
  http: HttpHandler;
  /** The EventBridge schedule: expire waiting requests and unconfirmed certificates. */
  scheduled: () => Promise<ExpirySweep>;
}

/**
 * Handlers over one composition, kept for every event of an execution
 * environment (settings do not change within one). In Lambda it is built at
 * init (below); elsewhere, and after a transient failure, on the first event.
 */
export function createLambdaHandlers(settings: Settings, options: LambdaOptions = {}): LambdaHandlers {
  const log = options.log ?? consoleLog;
  const instance = new Instance(
    () =>
      compose({
        settings,
        log,
        now: options.now,
        randomBytes: options.randomBytes,
        makeSigner: () => settingsCaSigner(settings),
        makeStore: () => settingsStore(settings, log),
      }),
    log,
  );
  // handle() wants a Hono app at once; the real one is built at init (or by the first request), behind this.
  const front = new Hono().all("*", (c) => instance.fetch(c.req.raw));
  return {
    prepare: () => instance.prepare(),
    // hono declares its own event types, which AWS's events do not satisfy
    // (body `string | null` where AWS leaves it out; a required authorizer).
    // For a payload 2.0 event it reads rawPath, rawQueryString, headers,
    // cookies, body, isBase64Encoded, requestContext.domainName and .http.method,
    // and answers statusCode, headers (one string each), cookies, body and
    // isBase64Encoded: all as AWS's types describe them.
    http: handle(front, { isContentTypeBinary }) as unknown as HttpHandler,
    scheduled: async () => {
      const sweep = await instance.sweep();
      // Failing the invocation is what makes a broken schedule visible (the Errors metric, alarms).
      if (!sweep) throw new Error("misconfigured: the expiry sweep did not run; see the log");
      return sweep;
    },
  };
}

/**
 * Which answers go back base64-encoded. hono's default already treats
 * application/pkixcmp and application/ocsp-response as binary (they are not
 * text, JSON or XML); naming them here keeps the DER bytes safe if that
 * default ever narrows: a DER body sent as text would be mangled into UTF-8.
 */
function isContentTypeBinary(contentType: string): boolean {
  return isPkixCmp(contentType) || contentType === OCSP_RESPONSE || defaultIsContentTypeBinary(contentType);
}

const fromEnvironment = createLambdaHandlers(process.env);

// In Lambda (which sets AWS_LAMBDA_FUNCTION_NAME) the composition is built in
// the init phase: wrong settings fail the init with their message, so the
// function takes no traffic, instead of answering every request 503. A KMS
// that does not answer at that moment is no reason to fail: the first request
// retries. Importing this module anywhere else builds nothing.
if (process.env.AWS_LAMBDA_FUNCTION_NAME) await fromEnvironment.prepare();

/** The function's handler for HTTP (Function URL or HTTP API): `lambda.handler`. */
export const handler: HttpHandler = fromEnvironment.http;

/** The handler of the EventBridge schedule rule: `lambda.scheduled`. */
export const scheduled: () => Promise<ExpirySweep> = fromEnvironment.scheduled;

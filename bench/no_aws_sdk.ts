/**
 * Stands in for @aws-sdk/client-kms in the bundle-size build "without the
 * AWS SDK" (bench/bundle.ts): the same Worker, minus the KMS client, to
 * measure Jellyfish's own code. Never deployed.
 */
export class KMSClient {
  constructor() {
    throw new Error("this build has no AWS SDK");
  }
}
export class GetPublicKeyCommand {}
export class SignCommand {}

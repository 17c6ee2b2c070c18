/**
 * Stands in for `@aws-sdk/credential-provider-node` (the SDK's default credential chain) in every
 * bundle: lib/bundling.ts aliases the package to this file. Every client gets its credentials from
 * the config (lambdas/runtime/config.ts reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN once, at cold start), on AWS and on the local stack alike, so the chain (INI
 * files, SSO, process, container, IMDS: about 40 KB of a bundle, with the STS/SSO clients it
 * builds) is never consulted. A Lambda function always has its role's credentials in those
 * variables; it has no profile files, no SSO session and no instance metadata.
 *
 * If a client were ever made without credentials, the SDK would ask this provider, and the call
 * fails loudly instead of searching for credentials the function does not have.
 */

export class NoCredentialChainError extends Error {
  override readonly name = 'NoCredentialChainError';
  constructor() {
    super(
      'This bundle has no default credential chain: pass the credentials from the config ' +
        '(lambdas/runtime/sdk/options.ts clientOptions).',
    );
  }
}

/** The SDK clients' `credentialDefaultProvider`: a provider that always refuses. */
export const defaultProvider = (_init?: unknown) => async (): Promise<never> => {
  throw new NoCredentialChainError();
};

/**
 * The web console on AWS (lib/console.ts): a private bucket read only by CloudFront through origin
 * access control, HTTPS only, the console's CSP (the same one the local stack sends), HSTS and
 * frame-ancestors none on every response, the API behind the same origin uncached, the case-files
 * bucket's CORS rule, and the hosted-UI client with code + PKCE. cdk-nag: test/infra/compliance.test.ts.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CaselineStack } from '../../lib/caseline-stack';
import { routesOf } from '../../lib/functions';
import { synthesize, type Violation } from './synth';
import {
  type CfnResourceJson,
  logicalIdOf,
  resource,
  resourcesOfType,
  type TemplateJson,
} from './template-helpers';

let stack: CaselineStack;
let template: Template;
let json: TemplateJson;

beforeAll(() => {
  const synthesized = synthesize();
  if (!synthesized.template) throw synthesized.synthError;
  stack = synthesized.stack;
  template = synthesized.template;
  json = template.toJSON() as TemplateJson;
});

const props = <T = Record<string, unknown>>(r: CfnResourceJson | undefined) => (r?.Properties ?? {}) as T;
const distributionConfig = () =>
  props<{ DistributionConfig: Record<string, unknown> }>(
    resource(json, logicalIdOf(stack.console.distribution)),
  ).DistributionConfig as {
    DefaultCacheBehavior: Record<string, unknown>;
    CacheBehaviors: Record<string, unknown>[];
    Origins: {
      Id: string;
      S3OriginConfig?: unknown;
      OriginAccessControlId?: unknown;
      CustomOriginConfig?: Record<string, unknown>;
    }[];
    DefaultRootObject: string;
  };

/** Joins a CloudFormation string (Fn::Join of literals and references) into text with <ref> placeholders. */
const text = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(text).join(join[0]);
  return '<ref>';
};

describe('the console bucket', () => {
  it('is private (all public access blocked), encrypted, versioned and access-logged', () => {
    const bucket = props(resource(json, logicalIdOf(stack.console.site)));
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.LoggingConfiguration).toMatchObject({ LogFilePrefix: 'console/' });
  });

  it('is read only by this distribution (origin access control, SigV4), and refuses plain HTTP', () => {
    const siteId = logicalIdOf(stack.console.site);
    const [, policy] =
      resourcesOfType(json, 'AWS::S3::BucketPolicy').find(([, p]) =>
        JSON.stringify(props(p).Bucket).includes(siteId),
      ) ?? [];
    const statements = (props<{ PolicyDocument: { Statement: Record<string, unknown>[] } }>(policy)
      .PolicyDocument.Statement ?? []) as {
      Effect: string;
      Principal?: unknown;
      Action: unknown;
      Condition?: unknown;
    }[];
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]?.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(allows[0]?.Action).toBe('s3:GetObject');
    expect(JSON.stringify(allows[0]?.Condition)).toContain(logicalIdOf(stack.console.distribution));
    expect(
      statements.some(
        (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('"aws:SecureTransport":"false"'),
      ),
    ).toBe(true);
    const [[, oac] = []] = resourcesOfType(json, 'AWS::CloudFront::OriginAccessControl');
    expect(props(oac).OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    const s3Origin = distributionConfig().Origins.find((o) => o.S3OriginConfig);
    expect(s3Origin?.OriginAccessControlId).toBeDefined();
  });
});

describe('the distribution', () => {
  it('serves HTTPS only, with the security headers on every behaviour', () => {
    const config = distributionConfig();
    const headersId = logicalIdOf(stack.console.headers);
    expect(config.DefaultRootObject).toBe('index.html');
    for (const behavior of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
      expect(behavior.ViewerProtocolPolicy).toBe('https-only');
      expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: headersId });
    }
    for (const origin of config.Origins.filter((o) => o.CustomOriginConfig))
      expect(origin.CustomOriginConfig?.OriginProtocolPolicy).toBe('https-only');
  });

  it('sends the console CSP (no inline script, API same-origin, the bucket and the hosted UI), HSTS and frame-ancestors none', () => {
    const policy = props<{
      ResponseHeadersPolicyConfig: { SecurityHeadersConfig: Record<string, Record<string, unknown>> };
    }>(resource(json, logicalIdOf(stack.console.headers))).ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = text(policy.ContentSecurityPolicy?.ContentSecurityPolicy);
    const directives = Object.fromEntries(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values];
      }),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['worker-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['connect-src']).toEqual([
      "'self'",
      'https://<ref>.s3.us-east-1.amazonaws.com',
      'https://<ref>.s3.amazonaws.com',
      'https://<ref>.auth.us-east-1.amazoncognito.com',
    ]);
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(policy.StrictTransportSecurity).toMatchObject({ IncludeSubdomains: true, Override: true });
    expect(Number(policy.StrictTransportSecurity?.AccessControlMaxAgeSec)).toBeGreaterThanOrEqual(31_536_000);
    expect(policy.FrameOptions).toMatchObject({ FrameOption: 'DENY' });
    expect(policy.ContentTypeOptions).toMatchObject({ Override: true });
  });

  it('forwards every API path to API Gateway uncached, with the Authorization header', () => {
    const config = distributionConfig();
    const patterns = config.CacheBehaviors.map((b) => b.PathPattern);
    for (const route of routesOf()) {
      const prefix = route.path.split('/')[1];
      expect(patterns, route.path).toContain(route.path.includes('/', 1) ? `/${prefix}/*` : `/${prefix}`);
    }
    const apiCache = resourcesOfType(json, 'AWS::CloudFront::CachePolicy').map(
      ([, p]) => props(p).CachePolicyConfig,
    ) as {
      DefaultTTL: number;
      MinTTL: number;
      ParametersInCacheKeyAndForwardedToOrigin: { HeadersConfig: { Headers?: string[] } };
    }[];
    expect(apiCache).toHaveLength(1);
    expect(apiCache[0]).toMatchObject({ DefaultTTL: 0, MinTTL: 0 });
    expect(apiCache[0]?.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers).toEqual([
      'Authorization',
    ]);
    for (const behavior of config.CacheBehaviors) expect(behavior.AllowedMethods).toContain('POST');
  });
});

describe('outputs', () => {
  it('names the console URL, its bucket and its config.json under stable keys the deploy steps read', () => {
    const outputs = (json as unknown as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    expect(text(outputs.ConsoleUrl?.Value)).toBe('https://<ref>/');
    expect(outputs.ConsoleBucket?.Value).toEqual({ Ref: logicalIdOf(stack.console.site) });
    expect(JSON.stringify(outputs.ConsoleConfig?.Value)).toContain('cognito');
  });
});

describe('what the browser reaches', () => {
  it('the case-files bucket admits PUT/GET/HEAD from the console origin, exposing ETag for multipart', () => {
    const cors = props<{ CorsConfiguration: { CorsRules: Record<string, unknown>[] } }>(
      resource(json, logicalIdOf(stack.storage.buckets.caseFiles)),
    ).CorsConfiguration.CorsRules;
    expect(cors).toHaveLength(1);
    expect(cors[0]).toMatchObject({
      AllowedMethods: ['GET', 'PUT', 'HEAD'],
      AllowedOrigins: ['https://*.cloudfront.net'],
      ExposedHeaders: ['ETag', 'x-amz-version-id'],
    });
    expect(cors[0]?.AllowedHeaders).toContain('x-amz-checksum-sha256');
    expect(
      props(resource(json, logicalIdOf(stack.storage.buckets.auditDigests))).CorsConfiguration,
    ).toBeUndefined();
  });

  it('the console client signs in on the hosted UI with the code grant only, no secret, back to the console', () => {
    const client = props(resource(json, logicalIdOf(stack.api.consoleClient)));
    expect(client).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      GenerateSecret: false,
    });
    expect(client.AllowedOAuthScopes).toContain('aws.cognito.signin.user.admin');
    expect(text((client.CallbackURLs as unknown[])[0])).toBe('https://<ref>/');
    expect(JSON.stringify(client.CallbackURLs)).toContain(logicalIdOf(stack.console.distribution));
  });
});

/** Reads one resource's cdk-nag acknowledgements as the deployed template records them. */
const acknowledgedOn = (template: TemplateJson, logicalId: string): string[] =>
  (
    (resource(template, logicalId) as { Metadata?: { cdk_nag?: { rules_to_suppress?: { id: string }[] } } })
      .Metadata?.cdk_nag?.rules_to_suppress ?? []
  ).map((r) => r.id);

describe('without a domain of its own (today: *.cloudfront.net)', () => {
  it('keeps the default certificate, no alias and no DNS output, and waives CFR4 with what to do about it', () => {
    const config = distributionConfig() as unknown as Record<string, unknown>;
    expect(config.Aliases).toBeUndefined();
    expect(config.ViewerCertificate).toBeUndefined();
    expect(config.HttpVersion).toBe('http2and3');
    expect(
      (json as unknown as { Outputs: Record<string, unknown> }).Outputs.ConsoleDnsTarget,
    ).toBeUndefined();
    expect(acknowledgedOn(json, logicalIdOf(stack.console.distribution))).toContain('AwsSolutions-CFR4');
    const reason = stack.console.distribution.node.metadata
      .map((m) => JSON.stringify(m.data))
      .find((d) => d.includes('AwsSolutions-CFR4'));
    expect(reason).toContain('caseline:consoleDomain');
  });
});

describe('with a domain of its own (-c caseline:consoleDomain, -c caseline:consoleCertificateArn)', () => {
  const DOMAIN = 'console.lab-example.com';
  const ACCOUNT = '123456789012';
  const CERTIFICATE = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`;
  const withDomain = (overrides: Record<string, unknown> = {}, env?: { account: string; region: string }) =>
    synthesize({
      context: {
        'caseline:consoleDomain': DOMAIN,
        'caseline:consoleCertificateArn': CERTIFICATE,
        ...overrides,
      },
      ...(env ? { env } : {}),
    });

  let custom: { stack: CaselineStack; json: TemplateJson; violations: readonly Violation[] };
  beforeAll(() => {
    const synthesized = withDomain();
    if (!synthesized.template) throw synthesized.synthError;
    custom = {
      stack: synthesized.stack,
      json: synthesized.template.toJSON() as TemplateJson,
      violations: synthesized.violations,
    };
  });

  it('serves the domain with its ACM certificate, TLS 1.2 at least (TLSv1.2_2021), SNI, HTTP/2 and 3', () => {
    const id = logicalIdOf(custom.stack.console.distribution);
    const config = props<{ DistributionConfig: Record<string, unknown> }>(
      resource(custom.json, id),
    ).DistributionConfig;
    expect(config.Aliases).toEqual([DOMAIN]);
    expect(config.ViewerCertificate).toEqual({
      AcmCertificateArn: CERTIFICATE,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    expect(config.HttpVersion).toBe('http2and3');
    // CFR4 is not waived: it passes (nothing in cdk-nag's report); the other findings stay acknowledged.
    expect(custom.violations).toEqual([]);
    const acknowledged = acknowledgedOn(custom.json, id);
    expect(acknowledged).not.toContain('AwsSolutions-CFR4');
    expect(acknowledged).toContain('AwsSolutions-CFR1');
  });

  it('lets the case-files bucket admit that one origin, no wildcard anywhere', () => {
    const rules = props<{ CorsConfiguration: { CorsRules: { AllowedOrigins: string[] }[] } }>(
      resource(custom.json, logicalIdOf(custom.stack.storage.buckets.caseFiles)),
    ).CorsConfiguration.CorsRules;
    expect(rules.map((r) => r.AllowedOrigins)).toEqual([[`https://${DOMAIN}`]]);
    for (const [, bucket] of resourcesOfType(custom.json, 'AWS::S3::Bucket'))
      for (const rule of props<{ CorsConfiguration?: { CorsRules: { AllowedOrigins: string[] }[] } }>(bucket)
        .CorsConfiguration?.CorsRules ?? [])
        expect(rule.AllowedOrigins.join(' ')).not.toContain('*');
    expect(JSON.stringify(custom.json)).not.toContain('*.cloudfront.net');
  });

  it("sends the hosted UI back to that origin only (callback and sign-out), and the app's config names it", () => {
    const client = props(resource(custom.json, logicalIdOf(custom.stack.api.consoleClient)));
    // The app's redirect_uri is the origin's root, `/`: Cognito compares it with these byte for byte.
    expect(client.CallbackURLs).toEqual([`https://${DOMAIN}/`]);
    expect(client.LogoutURLs).toEqual([`https://${DOMAIN}/`]);
    const outputs = (custom.json as unknown as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    expect(outputs.ConsoleUrl?.Value).toBe(`https://${DOMAIN}/`);
    expect(JSON.stringify(outputs.ConsoleConfig?.Value)).toContain(
      `\\"redirectUri\\":\\"https://${DOMAIN}/\\"`,
    );
    expect(outputs.ConsoleDnsTarget?.Value).toEqual({
      'Fn::GetAtt': [logicalIdOf(custom.stack.console.distribution), 'DomainName'],
    });
  });

  it('leaves the security headers as they are (the API on the same origin: no origin named in them)', () => {
    const headersOf = (template: TemplateJson, s: CaselineStack) =>
      props(resource(template, logicalIdOf(s.console.headers)));
    expect(headersOf(custom.json, custom.stack)).toEqual(headersOf(json, stack));
  });

  it.each([
    ['only the domain', { 'caseline:consoleCertificateArn': undefined }, /go together/],
    ['only the certificate', { 'caseline:consoleDomain': undefined }, /go together/],
    [
      'a URL for the domain',
      { 'caseline:consoleDomain': `https://${DOMAIN}` },
      /must be a lower-case host name/,
    ],
    [
      'a wildcard domain',
      { 'caseline:consoleDomain': '*.lab-example.com' },
      /must be a lower-case host name/,
    ],
    [
      'an over-long domain',
      { 'caseline:consoleDomain': `${`${'a'.repeat(63)}.`.repeat(4)}com` },
      /host name/,
    ],
    [
      'a malformed ARN',
      { 'caseline:consoleCertificateArn': `${CERTIFICATE}x` },
      /must be an ACM certificate ARN/,
    ],
    [
      "another service's ARN",
      { 'caseline:consoleCertificateArn': `arn:aws:iam::${ACCOUNT}:server-certificate/console` },
      /must be an ACM certificate ARN/,
    ],
    [
      'a certificate in another region',
      { 'caseline:consoleCertificateArn': CERTIFICATE.replace('us-east-1', 'eu-west-1') },
      /is in eu-west-1: CloudFront only uses ACM certificates in us-east-1/,
    ],
  ])('refuses to synthesize with %s, saying what to fix', (_, overrides, message) => {
    const context = Object.fromEntries(
      Object.entries({
        'caseline:consoleDomain': DOMAIN,
        'caseline:consoleCertificateArn': CERTIFICATE,
        ...overrides,
      }).filter(([, v]) => v !== undefined),
    );
    expect(() => synthesize({ context })).toThrow(message);
  });

  it("refuses a certificate of another account than the stack's, when the account is known", () => {
    expect(() => withDomain({}, { account: '210987654321', region: 'eu-west-1' })).toThrow(
      /belongs to account 123456789012, not 210987654321/,
    );
  });
});

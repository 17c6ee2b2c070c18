/**
 * The web console on AWS: the built single-page app (web/dist) in a private bucket, served by
 * CloudFront through origin access control, HTTPS only, with the console's security headers
 * (common/console.ts: the same CSP the local stack sends, plus HSTS). The API is reached through
 * the same distribution (its paths forwarded to API Gateway, never cached), so the app calls its
 * own origin, as on the local stack: no CORS on the API, and `connect-src 'self'` plus the
 * case-files bucket (presigned PUT/GET) and the hosted UI's token endpoint.
 *
 * A partner-facing deployment names its own domain and ACM certificate (CONSOLE_DOMAIN_CONTEXT,
 * CONSOLE_CERTIFICATE_CONTEXT): then TLS 1.2 at least, and the bucket's CORS rule and the hosted
 * UI's callback name that one origin. Without them the console answers at *.cloudfront.net.
 */
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { UserPoolClient, UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CONSOLE_HEADERS, consoleCorsRule, consoleCsp } from '../common/console';
import { routesOf } from './functions';

/** HSTS: two years, subdomains, preload-eligible. */
const HSTS_SECONDS = 2 * 365 * 24 * 3600;

export interface ConsoleProps {
  readonly httpApi: HttpApi;
  /** Presigned uploads and downloads go here from the browser. */
  readonly caseFiles: Bucket;
  readonly accessLogs: IBucket;
  readonly hostedUi: UserPoolDomain;
  readonly client: UserPoolClient;
  /**
   * The console's own domain and its certificate: the distribution's alias (TLS 1.2 at least), the
   * one origin the case-files bucket's CORS rule and the hosted UI's callback name.
   * @default - context CONSOLE_DOMAIN_CONTEXT and CONSOLE_CERTIFICATE_CONTEXT, else the
   * distribution's *.cloudfront.net name; the CORS rule then admits https://*.cloudfront.net,
   * because naming the distribution there would make a dependency cycle (its CSP names the bucket).
   */
  readonly domain?: ConsoleDomain;
}

export interface ConsoleDomain {
  /** A host name, e.g. console.lab-example.com: no scheme, port or path. */
  readonly domainName: string;
  /** An ACM certificate for domainName in us-east-1 (CloudFront reads certificates only there). */
  readonly certificateArn: string;
}

/** `-c caseline:consoleDomain=console.lab-example.com`, with the certificate's ARN below. */
export const CONSOLE_DOMAIN_CONTEXT = 'caseline:consoleDomain';
export const CONSOLE_CERTIFICATE_CONTEXT = 'caseline:consoleCertificateArn';

/** A console domain or certificate CloudFront would refuse, caught at synthesis rather than at deployment. */
export class ConsoleDomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConsoleDomainError';
  }
}

/** RFC 1035 host names: at most 253 characters, labels of 1-63 letters, digits and inner hyphens. */
const MAX_DOMAIN_LENGTH = 253;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** arn:aws:acm:<region>:<account>:certificate/<uuid>, the only shape ACM issues. */
const MAX_ARN_LENGTH = 100;
const CERTIFICATE_ARN =
  /^arn:aws:acm:([a-z0-9-]{1,30}):(\d{12}):certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** CloudFront takes viewer certificates from ACM in N. Virginia only. */
const CERTIFICATE_REGION = 'us-east-1';

/**
 * The console's domain: the prop, else the two context values (both or neither), checked here so
 * that a typo fails `cdk synth` with a message instead of a CloudFront rollback mid-deployment.
 */
export const consoleDomainOf = (scope: Construct, configured?: ConsoleDomain): ConsoleDomain | undefined => {
  const domainName: unknown = configured?.domainName ?? scope.node.tryGetContext(CONSOLE_DOMAIN_CONTEXT);
  const certificateArn: unknown =
    configured?.certificateArn ?? scope.node.tryGetContext(CONSOLE_CERTIFICATE_CONTEXT);
  if (domainName === undefined && certificateArn === undefined) return undefined;
  if (domainName === undefined || certificateArn === undefined)
    throw new ConsoleDomainError(
      `${CONSOLE_DOMAIN_CONTEXT} and ${CONSOLE_CERTIFICATE_CONTEXT} go together: set both, or neither for the *.cloudfront.net address`,
    );
  if (
    typeof domainName !== 'string' ||
    domainName.length > MAX_DOMAIN_LENGTH ||
    domainName.split('.').length < 2 ||
    !domainName.split('.').every((label) => LABEL.test(label))
  )
    throw new ConsoleDomainError(
      `${CONSOLE_DOMAIN_CONTEXT} must be a lower-case host name such as console.lab-example.com (no scheme, port, path or wildcard)`,
    );
  const arn =
    typeof certificateArn === 'string' && certificateArn.length <= MAX_ARN_LENGTH
      ? CERTIFICATE_ARN.exec(certificateArn)
      : null;
  if (typeof certificateArn !== 'string' || !arn)
    throw new ConsoleDomainError(
      `${CONSOLE_CERTIFICATE_CONTEXT} must be an ACM certificate ARN, arn:aws:acm:${CERTIFICATE_REGION}:<account>:certificate/<id>`,
    );
  const [, region, account] = arn;
  if (region !== CERTIFICATE_REGION)
    throw new ConsoleDomainError(
      `${CONSOLE_CERTIFICATE_CONTEXT} is in ${region}: CloudFront only uses ACM certificates in ${CERTIFICATE_REGION}; request or import one there`,
    );
  const stackAccount = Stack.of(scope).account;
  if (!Token.isUnresolved(stackAccount) && account !== stackAccount)
    throw new ConsoleDomainError(
      `${CONSOLE_CERTIFICATE_CONTEXT} belongs to account ${account}, not ${stackAccount}: CloudFront only uses certificates of its own account`,
    );
  return { domainName, certificateArn };
};

export class Console extends Construct {
  public readonly site: Bucket;
  public readonly distribution: Distribution;
  public readonly headers: ResponseHeadersPolicy;
  public readonly url: string;
  /** The app's /config.json (JSON text). */
  public readonly config: string;

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const domain = consoleDomainOf(this, props.domain);

    // Static, public files of the app (no PHI): SSE-S3, which CloudFront's OAC reads without a KMS grant.
    this.site = new Bucket(this, 'site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'console/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    Validations.of(this.site).acknowledge({
      id: 'HIPAA.Security-S3DefaultEncryptionKMS',
      reason:
        "The console's own JavaScript, CSS and HTML, public by nature, no PHI: SSE-S3 lets CloudFront origin access control read them without a KMS key grant.",
    });
    Validations.of(this.site).acknowledge({
      id: 'HIPAA.Security-S3BucketReplicationEnabled',
      reason: 'A rebuildable copy of web/dist (npm run build:web): nothing to replicate.',
    });

    const bucketOrigins = [
      `https://${props.caseFiles.bucketName}.s3.${region}.amazonaws.com`,
      `https://${props.caseFiles.bucketName}.s3.amazonaws.com`,
    ];
    const authOrigin = `https://${props.hostedUi.domainName}.auth.${region}.amazoncognito.com`;
    const csp = consoleCsp({ api: "'self'", bucket: bucketOrigins.join(' '), auth: authOrigin });

    this.headers = new ResponseHeadersPolicy(this, 'headers', {
      comment: 'Caseline console: CSP (no inline script), HSTS, frame-ancestors none',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(HSTS_SECONDS),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: ['cross-origin-opener-policy', 'permissions-policy'].map((header) => ({
          header,
          value: CONSOLE_HEADERS[header] ?? '',
          override: true,
        })),
      },
    });

    // API paths go to API Gateway, never cached; the Authorization header must be in the cache
    // key for CloudFront to forward it, so the policy keys on it with a zero TTL.
    const apiCache = new CachePolicy(this, 'apiNoCache', {
      comment: 'Caseline API through the console: forward Authorization, cache nothing',
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: CacheQueryStringBehavior.all(),
    });
    const apiOrigin = new HttpOrigin(Fn.select(2, Fn.split('/', props.httpApi.apiEndpoint)), {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
    });
    const apiBehavior = {
      origin: apiOrigin,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: apiCache,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: this.headers,
    };
    const prefixes = [...new Set(routesOf().map((r) => r.path.split('/')[1] ?? ''))].filter(Boolean).sort();
    const additionalBehaviors = Object.fromEntries(
      prefixes.flatMap((p) => [
        [`/${p}`, apiBehavior],
        [`/${p}/*`, apiBehavior],
      ]),
    );

    this.distribution = new Distribution(this, 'distribution', {
      comment: 'Caseline web console',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.site),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
      },
      additionalBehaviors,
      ...(domain
        ? {
            domainNames: [domain.domainName],
            certificate: Certificate.fromCertificateArn(this, 'certificate', domain.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    this.url = `https://${domain?.domainName ?? this.distribution.distributionDomainName}`;
    const acknowledge = (id: string, reason: string) =>
      Validations.of(this.distribution).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-CFR1',
      'No geo restriction: partner labs are in the US and designers abroad sign in to the same console.',
    );
    acknowledge(
      'AwsSolutions-CFR2',
      'No WAF yet: static files and an API that authenticates every route (JWT) and throttles at its stage; a WAF web ACL (created in us-east-1, like the certificate) is a later change.',
    );
    acknowledge(
      'AwsSolutions-CFR3',
      'CloudFront standard logs need ACLs on the target bucket, which BUCKET_OWNER_ENFORCED (every bucket here) disables; API calls are logged by API Gateway and every PHI read by the audit trail.',
    );
    // With its own domain and certificate the distribution passes CFR4 (TLSv1.2_2021): nothing to waive.
    if (!domain)
      acknowledge(
        'AwsSolutions-CFR4',
        `The default *.cloudfront.net certificate allows TLS 1.0 whatever the policy says: a partner-facing deployment sets -c ${CONSOLE_DOMAIN_CONTEXT} and -c ${CONSOLE_CERTIFICATE_CONTEXT} (README, Deploy to AWS), which gives it TLSv1.2_2021.`,
      );

    // The browser uploads and downloads straight to the case-files bucket (presigned URLs).
    const cors = consoleCorsRule([domain ? this.url : 'https://*.cloudfront.net']);
    props.caseFiles.addCorsRule({
      allowedOrigins: [...cors.allowedOrigins],
      allowedMethods: cors.allowedMethods.map((m) => HttpMethods[m]),
      allowedHeaders: [...cors.allowedHeaders],
      exposedHeaders: [...cors.exposedHeaders],
      maxAge: cors.maxAgeSeconds,
    });

    // The app's config: the API on the same origin, the hosted UI with PKCE. Written into the
    // bucket with the built files by the deploy steps in the README (no Lambda-backed
    // BucketDeployment: its function would need s3:* wildcards on this stack, for static files).
    this.config = Stack.of(this).toJsonString({
      stage: 'aws',
      apiUrl: '',
      auth: {
        kind: 'cognito',
        domain: authOrigin,
        clientId: props.client.userPoolClientId,
        redirectUri: `${this.url}/`,
        scopes: ['openid', 'email', 'aws.cognito.signin.user.admin'],
      },
    });
    // Stable output names (no construct-path hash): the README's deploy steps read them by name.
    const outputs: [string, string, string][] = [
      ['ConsoleUrl', `${this.url}/`, 'Open the web console here'],
      ['ConsoleBucket', this.site.bucketName, 'aws s3 sync web/dist here (npm run build:web first)'],
      ['ConsoleConfig', this.config, 'Write this as config.json into the console bucket'],
    ];
    if (domain)
      outputs.push([
        'ConsoleDnsTarget',
        this.distribution.distributionDomainName,
        `Point ${domain.domainName} here: a CNAME, or a Route 53 alias record`,
      ]);
    for (const [name, value, description] of outputs)
      new CfnOutput(this, name, { value, description }).overrideLogicalId(name);
  }
}

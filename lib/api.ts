/**
 * The HTTP API and who may call it: a Cognito user pool (MFA required, no self sign-up, one group
 * per role), a JWT authorizer on every route that names roles, and the routes of the catalogue.
 */
import { Duration, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
  UserPoolOperation,
} from 'aws-cdk-lib/aws-cognito';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ACCOUNT_ID_ATTRIBUTE as ACCOUNT_ID_USER_ATTRIBUTE } from '../common/claims';
import { ACCESS_TOKEN_MINUTES, REFRESH_TOKEN_MINUTES as DEFAULT_REFRESH_MINUTES } from '../common/tokens';
import { API_SCOPE, ROLES, type RouteDefinition, routesOf } from './functions';
import { CaselineFunction } from './lambda-function';
import { secureLogGroupProps } from './secure-defaults';

/** Seed 000: session tokens expire after 15 minutes (common/tokens.ts, shared with the local IdP). */
export const TOKEN_VALIDITY = Duration.minutes(ACCESS_TOKEN_MINUTES);
/**
 * Seed 000's automatic logoff: an hour after sign-in the CLI and the console must sign in again,
 * with MFA. An hour is also the shortest refresh-token lifetime Cognito allows. A deployment may
 * set another value with `-c caseline:refreshTokenMinutes=N` (or the prop); anything longer breaks
 * seed 000. The local IdP reads the same default (common/tokens.ts).
 */
export const REFRESH_TOKEN_VALIDITY = Duration.minutes(DEFAULT_REFRESH_MINUTES);
/** Cognito's bounds for a refresh token's lifetime. */
const REFRESH_TOKEN_MINUTES = { min: 60, max: 10 * 365 * 24 * 60 } as const;
export const REFRESH_TOKEN_CONTEXT = 'caseline:refreshTokenMinutes';

const refreshTokenValidity = (scope: Construct, configured: Duration | undefined): Duration => {
  const fromContext = scope.node.tryGetContext(REFRESH_TOKEN_CONTEXT) as string | number | undefined;
  const minutes = configured
    ? configured.toMinutes({ integral: false })
    : fromContext !== undefined
      ? Number(fromContext)
      : REFRESH_TOKEN_VALIDITY.toMinutes();
  if (
    !Number.isInteger(minutes) ||
    minutes < REFRESH_TOKEN_MINUTES.min ||
    minutes > REFRESH_TOKEN_MINUTES.max
  ) {
    throw new Error(
      `${REFRESH_TOKEN_CONTEXT} must be a whole number of minutes from ${REFRESH_TOKEN_MINUTES.min} (Cognito's minimum) to ${REFRESH_TOKEN_MINUTES.max}`,
    );
  }
  return Duration.minutes(minutes);
};

/** The custom attribute's name without Cognito's `custom:` prefix; the trigger reads it with it. */
const ACCOUNT_ID_ATTRIBUTE = ACCOUNT_ID_USER_ATTRIBUTE.replace(/^custom:/, '');

/**
 * Why each public route may be called without a token, and what it can reach: the acknowledgement
 * of cdk-nag's APIG4 finding for that route. A public route missing here fails synthesis.
 */
export const PUBLIC_ROUTE_REASONS: Readonly<Record<string, string>> = {
  'GET /health': 'a liveness answer; the function is granted nothing and touches no data.',
  'GET /certificates/public-key':
    'anyone holding a deletion certificate must be able to verify it without an account. The function ' +
    'calls KMS GetPublicKey on the certificate-signing key, the only permission its role has (no Sign, no ' +
    'table, no bucket); it keeps the key for the life of its container, and the stage throttle bounds the rest.',
  'GET /audit/public-key':
    "a partner's auditor must be able to verify audit digests offline without an account. The function calls " +
    'KMS GetPublicKey on the audit-signing key, the only permission its role has (no Sign, no table, no bucket).',
};

/** Steady-state and burst limits for the whole stage: far above a lab's CLI, far below a scraper. */
export const THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/**
 * Access log fields. No path (it holds order ids in clear), no query string, no headers beyond the
 * caller's IP, no bodies, no integration error text (it can echo a handler's message): who, which
 * route, what status, how long.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTimeEpoch',
    sourceIp: '$context.identity.sourceIp',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationStatus: '$context.integration.status',
    authorizerError: '$context.authorizer.error',
    sub: '$context.authorizer.claims.sub',
  }),
);

export interface ApiProps {
  /** The catalogue's functions by id: each route is served by its entry's function. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Encrypts the access-log group and the pre-token trigger's log group. */
  readonly logKey: IKey;
  /**
   * @default routesOf(FUNCTIONS)
   */
  readonly routes?: ReturnType<typeof routesOf>;
  /**
   * How long a refresh token lets the CLI renew its 15-minute tokens without signing in again.
   * @default - context caseline:refreshTokenMinutes, else REFRESH_TOKEN_VALIDITY (60 minutes)
   */
  readonly refreshTokenValidity?: Duration;
}

export class Api extends Construct {
  public readonly userPool: UserPool;
  public readonly client: UserPoolClient;
  /** The web console's client: hosted UI, authorization code grant with PKCE, no secret (lib/console.ts). */
  public readonly consoleClient: UserPoolClient;
  /** The hosted UI (sign-in with password and TOTP MFA) the console sends users to. */
  public readonly hostedUi: UserPoolDomain;
  private consoleUrl: string | undefined;
  public readonly preTokenGeneration: CaselineFunction;
  public readonly httpApi: HttpApi;
  public readonly stage: HttpStage;
  public readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    this.userPool = new UserPool(this, 'users', {
      // Labs are onboarded under a BAA: an administrator creates each user with its account id.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        // Immutable: a user can never move themselves into another lab's data.
        [ACCOUNT_ID_ATTRIBUTE]: new StringAttribute({ minLen: 1, maxLen: 64, mutable: false }),
      },
      mfa: Mfa.REQUIRED,
      // TOTP only: SMS codes can be SIM-swapped, and SMS would need an SNS role and spend.
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        passwordHistorySize: 12,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      keepOriginal: { email: true },
      // Plus: access-token customization (the account_id claim) needs Essentials or above, and
      // threat protection (compromised credentials, risky sign-ins blocked) needs Plus.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const role of ROLES) {
      this.userPool.addGroup(role, { groupName: role, description: `Caseline role: ${role}` });
    }

    this.preTokenGeneration = new CaselineFunction(this, 'preTokenGeneration', {
      entry: 'lambdas/handlers/pre-token-generation.ts',
      description: 'Cognito pre-token trigger: copies custom:account_id into the access token.',
      logKey: props.logKey,
      timeout: Duration.seconds(5),
      memorySize: 256,
    });
    this.userPool.addTrigger(
      UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      this.preTokenGeneration.function,
      LambdaVersion.V2_0,
    );

    this.client = this.userPool.addClient('cli', {
      authFlows: { userSrp: true },
      // A CLI on a lab's workstation cannot keep a secret.
      generateSecret: false,
      disableOAuth: true,
      accessTokenValidity: TOKEN_VALIDITY,
      idTokenValidity: TOKEN_VALIDITY,
      refreshTokenValidity: refreshTokenValidity(this, props.refreshTokenValidity),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
      // Users may change their e-mail (re-verified) and nothing else; the account id is admin-only.
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
    });

    // The web console signs in on the hosted UI (password + TOTP), then exchanges the code with
    // PKCE: a browser app cannot keep a secret either. Its callback is the console's CloudFront
    // address, known once lib/console.ts has built it (setConsoleUrl).
    this.hostedUi = this.userPool.addDomain('hostedUi', {
      cognitoDomain: { domainPrefix: `caseline-${Stack.of(this).account}` },
    });
    // An Api synthesized on its own (its tests) has no console: Cognito's localhost exception
    // keeps the client valid without pointing the hosted UI at anything real.
    const consoleCallback = Lazy.string({ produce: () => this.consoleUrl ?? 'http://localhost/' });
    this.consoleClient = this.userPool.addClient('console', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        // COGNITO_ADMIN is the API_SCOPE the authorizer requires of every access token.
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.COGNITO_ADMIN],
        callbackUrls: [consoleCallback],
        logoutUrls: [consoleCallback],
      },
      accessTokenValidity: TOKEN_VALIDITY,
      idTokenValidity: TOKEN_VALIDITY,
      refreshTokenValidity: refreshTokenValidity(this, props.refreshTokenValidity),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
    });

    this.accessLogs = new LogGroup(this, 'accessLogs', secureLogGroupProps(props.logKey));
    this.httpApi = new HttpApi(this, 'http', {
      description: 'Caseline order API',
      createDefaultStage: false,
    });
    this.stage = this.httpApi.addStage('default', {
      stageName: '$default',
      autoDeploy: true,
      throttle: THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });

    const authorizer = new HttpUserPoolAuthorizer('cognito', this.userPool, {
      userPoolClients: [this.client, this.consoleClient],
      identitySource: ['$request.header.Authorization'],
    });
    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const route of props.routes ?? routesOf()) {
      const fn = props.functions[route.fn.id];
      if (!fn) throw new Error(`Route ${route.method} ${route.path} names unknown function ${route.fn.id}`);
      let integration = integrations.get(route.fn.id);
      if (!integration) {
        // One invoke permission per function, for this API only (`<api>/*/*/*`), rather than one
        // per route: a function's routes are all integrations of this API, and the API can reach a
        // function only through a route integration the template declares. Per route, the
        // permissions were 15 resources more (of CloudFormation's 500).
        integration = new HttpLambdaIntegration(`${route.fn.id}Integration`, fn, {
          scopePermissionToRoute: false,
        });
        integrations.set(route.fn.id, integration);
      }
      const isPublic = route.roles.length === 0;
      const [httpRoute] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method as RouteDefinition['method']]],
        integration,
        // The authorizer proves who is calling; the handler then checks the caller's group
        // (cognito:groups) against the route's roles, as the catalogue says.
        authorizer: isPublic ? new HttpNoneAuthorizer() : authorizer,
        // Only access tokens carry this scope: an id token is refused (see API_SCOPE).
        ...(isPublic ? {} : { authorizationScopes: [API_SCOPE] }),
      });
      if (isPublic && httpRoute) {
        const why = PUBLIC_ROUTE_REASONS[`${route.method} ${route.path}`];
        if (!why)
          throw new Error(`Public route ${route.method} ${route.path} has no entry in PUBLIC_ROUTE_REASONS`);
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is public by catalogue (roles: []): ${why}`,
        });
      }
    }
  }

  /** The console's https origin: the hosted UI sends users back there (callback and sign-out). */
  setConsoleUrl(url: string) {
    this.consoleUrl = url;
  }
}

/**
 * The user pool (Cognito) as the account registry needs it: invite a partner's user with its
 * account id (immutable custom:account_id, copied into every token by the pre-token trigger) and
 * its role (a group), sign a user out everywhere, remove one. The pool requires MFA (TOTP) and
 * signs in by e-mail (lib/api.ts), so AdminCreateUser takes the e-mail as the user name and
 * Cognito e-mails a temporary password; the first sign-in sets a password and MFA.
 *
 * AdminUserGlobalSignOut revokes the user's refresh tokens at once; an access token already
 * issued stays valid at API Gateway's JWT authorizer until it expires (15 minutes at most). The
 * e-mail address is personal data: it goes to Cognito and the registry, never to a log.
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminUserGlobalSignOutCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import type { IdentityProvider } from '../domain/ports';

const named = (error: unknown, name: string) => (error as { name?: string })?.name === name;

export class CognitoIdentityProvider implements IdentityProvider {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async invite(input: { email: string; accountId: string; role: string }) {
    let created: { username: string; sub: string };
    try {
      const { User } = await this.client.send(
        new AdminCreateUserCommand({
          UserPoolId: this.userPoolId,
          Username: input.email,
          UserAttributes: [
            { Name: 'email', Value: input.email },
            { Name: 'email_verified', Value: 'true' },
            { Name: 'custom:account_id', Value: input.accountId },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
        }),
      );
      const username = User?.Username ?? '';
      const sub = User?.Attributes?.find((a) => a.Name === 'sub')?.Value ?? username;
      created = { username, sub };
    } catch (error) {
      if (named(error, 'UsernameExistsException')) return { taken: true as const };
      throw error;
    }
    await this.client.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: this.userPoolId,
        Username: created.username,
        GroupName: input.role,
      }),
    );
    return { taken: false as const, ...created };
  }

  /** Every session of the user ends; a user already gone has none. */
  async signOut(username: string): Promise<void> {
    try {
      await this.client.send(
        new AdminUserGlobalSignOutCommand({ UserPoolId: this.userPoolId, Username: username }),
      );
    } catch (error) {
      if (!named(error, 'UserNotFoundException')) throw error;
    }
  }

  async remove(username: string): Promise<void> {
    try {
      await this.client.send(new AdminDeleteUserCommand({ UserPoolId: this.userPoolId, Username: username }));
    } catch (error) {
      if (!named(error, 'UserNotFoundException')) throw error;
    }
  }
}

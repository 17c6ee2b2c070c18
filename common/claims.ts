/**
 * The token claim every handler scopes reads and writes by, and the immutable user attribute the
 * pre-token trigger copies it from. Plain data: the CDK app (the user pool's schema) and the
 * trigger both read it here.
 */
export const ACCOUNT_ID_ATTRIBUTE = 'custom:account_id';
export const ACCOUNT_ID_CLAIM = 'account_id';

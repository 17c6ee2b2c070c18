// Placeholder until the handler lands; keeps the CDK catalogue synthesizable.
export const handler = async (): Promise<{ statusCode: number }> => ({ statusCode: 501 });

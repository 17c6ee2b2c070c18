// Placeholder until the designer registry lands.
export const handler = async (): Promise<{ statusCode: number }> => ({ statusCode: 501 });

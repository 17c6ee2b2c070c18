/** When a SigV4 presigned URL stops working: its X-Amz-Date plus X-Amz-Expires, in ms. */
export const urlExpiry = (url: string) => {
  const q = new URL(url).searchParams;
  const iso = (q.get('X-Amz-Date') ?? '').replace(
    /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/,
    '$1-$2-$3T$4:$5:$6Z',
  );
  return new Date(iso).getTime() + Number(q.get('X-Amz-Expires')) * 1000;
};

/** `fn` over `items` with at most `limit` calls in flight; results in completion order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) out.push(await fn(items[next++]));
  });
  await Promise.all(workers);
  return out;
}

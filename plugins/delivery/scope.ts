/**
 * The scope of the delivery store's rows: one backend deployment and one
 * account. A data dir reused for another deployment (new CONVEX_URL or
 * ACCOUNT_ID, a fresh dev backend that reuses ids) must not inherit retry
 * budgets or dead letters: rows of another scope are kept, never applied.
 *
 * Deployment: `CONVEX_URL` (normalised) for the Convex backend, `embedded`
 * otherwise (an embedded database's ids are random per file). Account:
 * `ACCOUNT_ID` when set.
 */
export function deliveryScope(env: Readonly<Record<string, string | undefined>>, accountId: string | undefined): string {
  const url = env.CONVEX_URL?.trim().replace(/\/+$/, '').toLowerCase();
  return `${url ? url : 'embedded'} account=${accountId ?? env.ACCOUNT_ID ?? '-'}`;
}

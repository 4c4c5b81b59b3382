/**
 * Startup validation of the Convex deployment settings (original-runtime.md
 * §12): ACCOUNT_ID, CONVEX_URL and SERVICE_TOKEN, with errors that name the
 * variable and never echo the token's secret part.
 */

export interface ConvexSettings {
  accountId: string;
  url: string;
  serviceToken: string;
}

export class ConvexConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConvexConfigError';
    this.problems = problems;
  }
}

/** Trims and strips one pair of surrounding quotes (values pasted from .env files). */
export function normalizeEnvValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) v = v.slice(1, -1).trim();
  return v === '' ? undefined : v;
}

/** Returns the normalised settings or throws a `ConvexConfigError` listing every problem. */
export function validateConvexSettings(input: { accountId?: string; url?: string; serviceToken?: string }): ConvexSettings {
  const accountId = normalizeEnvValue(input.accountId);
  const url = normalizeEnvValue(input.url);
  const serviceToken = normalizeEnvValue(input.serviceToken);
  const missing = [
    ['ACCOUNT_ID', accountId],
    ['CONVEX_URL', url],
    ['SERVICE_TOKEN', serviceToken],
  ]
    .filter(([, v]) => v === undefined)
    .map(([name]) => name);
  if (missing.length > 0) throw new ConvexConfigError([`Missing required environment variables: ${missing.join(', ')}`]);

  const problems: string[] = [];
  const urlProblem = checkUrl(url!);
  if (urlProblem) problems.push(urlProblem);
  const tokenProblem = checkToken(serviceToken!, accountId!);
  if (tokenProblem) problems.push(tokenProblem);
  if (problems.length > 0) throw new ConvexConfigError(problems);
  return { accountId: accountId!, url: url!.replace(/\/+$/, ''), serviceToken: serviceToken! };
}

function checkUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Invalid CONVEX_URL. Expected a URL like https://happy-animal-123.convex.cloud.';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `Invalid CONVEX_URL. Only http and https are allowed (got ${parsed.protocol}).`;
  }
  if (parsed.hostname.endsWith('.convex.site')) {
    return 'Invalid CONVEX_URL. It points at the HTTP-actions domain (.convex.site); use the deployment URL (.convex.cloud).';
  }
  return undefined;
}

function checkToken(token: string, accountId: string): string | undefined {
  if (!token.startsWith('mc_service_')) return 'Invalid SERVICE_TOKEN format. Expected a token starting with mc_service_.';
  const parts = token.split('_');
  if (parts.length < 4 || !parts[2] || !parts.slice(3).join('_')) {
    return 'Invalid SERVICE_TOKEN structure. Expected mc_service_{accountId}_{secret}.';
  }
  if (parts[2] !== accountId) {
    return `SERVICE_TOKEN account mismatch. Token is for ${parts[2]}, but ACCOUNT_ID is ${accountId}.`;
  }
  return undefined;
}

/**
 * Runtime status, restart and upgrade state (#30–32, original-runtime.md §3.6),
 * plus the operator side (request a restart or an upgrade) used by the CLI and
 * tests.
 */
import type { PendingUpgrade, RuntimeConfigReport, RuntimeStatus, UpgradeStrategy } from '../../core/ports/domain.ts';
import { UPGRADE_STRATEGIES } from '../../core/ports/domain.ts';
import { logActivity } from './activities.ts';
import { json } from './db.ts';
import type { Ctx } from './model.ts';

/** A pending upgrade not confirmed within this time is recorded as failed and cleared. */
export const UPGRADE_TIMEOUT_MS = 30 * 60 * 1000;
const MAX_HISTORY = 10;

interface RuntimeRow {
  status: string;
  openclaw_version: string | null;
  runtime_service_version: string | null;
  pending_upgrade: string | null;
  upgrade_history: string;
}

interface HistoryEntry {
  fromOpenclawVersion?: string;
  toOpenclawVersion: string;
  fromRuntimeVersion?: string;
  toRuntimeVersion: string;
  status: 'success' | 'failed' | 'rolled_back';
  startedAt: number;
  completedAt?: number;
  duration?: number;
  error?: string;
  initiatedBy: string;
}

export function updateRuntimeStatus(ctx: Ctx, args: { status: RuntimeStatus; config?: RuntimeConfigReport }): { success: boolean } {
  const account = ctx.db.get<{ runtime_status: string | null }>('SELECT runtime_status FROM accounts WHERE id = $id', {
    id: ctx.accountId,
  });
  const previous = account?.runtime_status ?? null;
  ctx.db.run(
    `UPDATE accounts SET runtime_status = $status, runtime_config = coalesce($config, runtime_config) WHERE id = $id`,
    { id: ctx.accountId, status: args.status, config: args.config ? JSON.stringify(args.config) : undefined },
  );
  if (previous !== args.status) {
    logActivity(ctx, { type: 'runtime', id: ctx.accountId, name: 'runtime' }, 'runtime_status_changed', { type: 'account', id: ctx.accountId }, {
      from: previous,
      to: args.status,
    });
  }
  if (args.status === 'offline') {
    // Nobody is working: agents go offline and no notification stays "typing".
    ctx.db.run("UPDATE agents SET status = 'offline' WHERE account_id = $a", { a: ctx.accountId });
    ctx.db.run(
      `UPDATE notifications SET delivery_ended_at = $now
       WHERE account_id = $a AND delivered_at IS NULL AND read_at IS NOT NULL AND delivery_ended_at IS NULL`,
      { a: ctx.accountId, now: ctx.now },
    );
  }
  upsertRuntimeRow(ctx, args);
  return { success: true };
}

function upsertRuntimeRow(ctx: Ctx, args: { status: RuntimeStatus; config?: RuntimeConfigReport }): void {
  const row = ctx.db.get<RuntimeRow>('SELECT * FROM runtimes WHERE account_id = $a', { a: ctx.accountId });
  let pending = json<PendingUpgrade>(row?.pending_upgrade);
  const history = json<HistoryEntry[]>(row?.upgrade_history) ?? [];
  const openclawVersion = args.config?.openclawVersion ?? row?.openclaw_version ?? undefined;
  const runtimeVersion = args.config?.runtimeServiceVersion ?? row?.runtime_service_version ?? undefined;
  if (pending) {
    const entry = {
      fromOpenclawVersion: row?.openclaw_version ?? undefined,
      toOpenclawVersion: pending.targetOpenclawVersion,
      fromRuntimeVersion: row?.runtime_service_version ?? undefined,
      toRuntimeVersion: pending.targetRuntimeVersion,
      startedAt: pending.initiatedAt,
      completedAt: ctx.now,
      duration: ctx.now - pending.initiatedAt,
      initiatedBy: pending.initiatedBy,
    };
    if (
      args.config &&
      args.config.openclawVersion === pending.targetOpenclawVersion &&
      args.config.runtimeServiceVersion === pending.targetRuntimeVersion
    ) {
      history.push({ ...entry, status: 'success' });
      pending = undefined;
    } else if (ctx.now - pending.initiatedAt > UPGRADE_TIMEOUT_MS) {
      history.push({ ...entry, status: 'failed', error: 'Upgrade timed out' });
      pending = undefined;
    }
  }
  const params = {
    a: ctx.accountId,
    status: args.status,
    oc: openclawVersion,
    rt: runtimeVersion,
    hc: args.config ? (args.config.lastHealthCheck ?? ctx.now) : undefined,
    pending: pending ? JSON.stringify(pending) : undefined,
    history: JSON.stringify(history.slice(-MAX_HISTORY)),
    now: ctx.now,
  };
  ctx.db.run(
    `INSERT INTO runtimes (account_id, status, openclaw_version, runtime_service_version, last_health_check, pending_upgrade,
       upgrade_history, updated_at)
     VALUES ($a, $status, $oc, $rt, $hc, $pending, $history, $now)
     ON CONFLICT (account_id) DO UPDATE SET status = $status, openclaw_version = $oc, runtime_service_version = $rt,
       last_health_check = coalesce($hc, last_health_check), pending_upgrade = $pending, upgrade_history = $history,
       updated_at = $now`,
    params,
  );
}

export function checkAndClearRestartRequested(ctx: Ctx): { restartRequested: boolean } {
  const r = ctx.db.run('UPDATE accounts SET restart_requested_at = NULL WHERE id = $id AND restart_requested_at IS NOT NULL', {
    id: ctx.accountId,
  });
  return { restartRequested: r.changes > 0 };
}

/** The pending upgrade, or null when there is none or its stored shape is invalid. */
export function getPendingUpgrade(ctx: Ctx): PendingUpgrade | null {
  const row = ctx.db.get<{ pending_upgrade: string | null }>('SELECT pending_upgrade FROM runtimes WHERE account_id = $a', {
    a: ctx.accountId,
  });
  const p = json<Partial<PendingUpgrade>>(row?.pending_upgrade);
  if (
    !p ||
    typeof p.targetOpenclawVersion !== 'string' ||
    typeof p.targetRuntimeVersion !== 'string' ||
    typeof p.initiatedAt !== 'number' ||
    typeof p.initiatedBy !== 'string' ||
    !UPGRADE_STRATEGIES.includes(p.strategy as UpgradeStrategy)
  ) {
    return null;
  }
  return {
    targetOpenclawVersion: p.targetOpenclawVersion,
    targetRuntimeVersion: p.targetRuntimeVersion,
    initiatedAt: p.initiatedAt,
    initiatedBy: p.initiatedBy,
    strategy: p.strategy as UpgradeStrategy,
  };
}

// ---- operator side (what the UI does) ------------------------------------------------

export function requestRestart(ctx: Ctx): void {
  ctx.db.run('UPDATE accounts SET restart_requested_at = $now WHERE id = $id', { id: ctx.accountId, now: ctx.now });
}

export function requestUpgrade(
  ctx: Ctx,
  upgrade: { targetOpenclawVersion: string; targetRuntimeVersion: string; initiatedBy: string; strategy?: UpgradeStrategy },
): PendingUpgrade {
  const pending: PendingUpgrade = { ...upgrade, strategy: upgrade.strategy ?? 'immediate', initiatedAt: ctx.now };
  ctx.db.run(
    `INSERT INTO runtimes (account_id, status, pending_upgrade, updated_at) VALUES ($a, 'provisioning', $p, $now)
     ON CONFLICT (account_id) DO UPDATE SET pending_upgrade = $p, updated_at = $now`,
    { a: ctx.accountId, p: JSON.stringify(pending), now: ctx.now },
  );
  return pending;
}

/** Runtime state as the operator sees it (CLI, tests). */
export function runtimeState(ctx: Ctx): {
  status: string | null;
  config: RuntimeConfigReport | null;
  restartRequested: boolean;
  upgradeHistory: HistoryEntry[];
} {
  const acc = ctx.db.get<{ runtime_status: string | null; runtime_config: string | null; restart_requested_at: number | null }>(
    'SELECT runtime_status, runtime_config, restart_requested_at FROM accounts WHERE id = $id',
    { id: ctx.accountId },
  );
  const rt = ctx.db.get<{ upgrade_history: string }>('SELECT upgrade_history FROM runtimes WHERE account_id = $a', { a: ctx.accountId });
  return {
    status: acc?.runtime_status ?? null,
    config: json<RuntimeConfigReport>(acc?.runtime_config) ?? null,
    restartRequested: acc?.restart_requested_at != null,
    upgradeHistory: json<HistoryEntry[]>(rt?.upgrade_history) ?? [],
  };
}

/**
 * The delivery policy extension point: questions the delivery loop asks about a
 * notification besides deliver/skip (which is the `onNotification` hook).
 * Provided by `delivery-policy`; a deployment replaces it by providing the
 * `delivery-policy` service from its own plugin.
 */
import type { DeliveryContext } from '../../core/ports/domain.ts';
import { createServiceRef } from '../../core/services.ts';

export interface DeliveryPolicy {
  /** Retry when the agent produced no usable reply (empty, placeholder, stray NO_REPLY)? */
  retryOnNoResponse(ctx: DeliveryContext): boolean;
  /** May the agent decline to answer (reply with the silent token)? Never for assignments. */
  mayDecline(ctx: DeliveryContext): boolean;
  /** Leave a short deterministic notice in the task thread when the notification is dead-lettered? */
  deadLetterNotice(ctx: DeliveryContext): boolean;
}

export const DeliveryPolicyRef = createServiceRef<DeliveryPolicy>('delivery-policy');

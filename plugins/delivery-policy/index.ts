/**
 * Delivery policy: decides deliver/skip for each notification (§4.4) by tapping
 * `onNotification`, and answers the loop's other policy questions through the
 * `delivery-policy` service. Replace or extend it with your own plugin: tap
 * `onNotification` at an earlier stage to decide first, or provide the service.
 */
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { STAGE } from '../../core/hook-facade.ts';
import { NOTIFICATION_TYPES } from '../../core/ports/domain.ts';
import { DeliveryPolicyRef, type DeliveryPolicy } from '../delivery/policy-port.ts';
import { decide, mayDecline, retryOnNoResponse } from './rules.ts';

const NoticeTypes = Type.Array(Type.Union(NOTIFICATION_TYPES.map((t) => Type.Literal(t))), {
  default: ['assignment', 'mention', 'response_request'],
  uniqueItems: true,
});

const Options = Type.Object(
  {
    /** Notification types whose dead letter leaves a short notice in the task thread. */
    deadLetterNoticeFor: NoticeTypes,
  },
  { additionalProperties: false },
);

export default definePlugin({
  id: 'delivery-policy',
  version: '1.0.0',
  description: 'Who receives which notification, retry eligibility, dead-letter notices',
  provides: ['delivery-policy'],
  configSchema: Options,
  register(api, options) {
    const noticeTypes = new Set<string>(options.deadLetterNoticeFor);
    const policy: DeliveryPolicy = {
      retryOnNoResponse,
      mayDecline,
      deadLetterNotice: (ctx) => noticeTypes.has(ctx.notification.type) && ctx.task !== null,
    };
    api.provide(DeliveryPolicyRef, policy);
    api.hooks.onNotification.tap(({ context }) => decide(context), { stage: STAGE.POLICY });
  },
});

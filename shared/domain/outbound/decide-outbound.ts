import type { ChannelPolicy, OptOutBlocks, QuietHours } from '../accounts/account-settings.ts';
import type { Channel, ConsentStatus, MessageCategory, ReportedStatus } from '../channels.ts';
import { effectiveStatus, type StatusRecord } from '../consent/effective-status.ts';
import { checkSendWindow } from './quiet-hours.ts';

/** A consent record as the gate reads it. `category: 'marketing'`: it speaks for marketing only (WhatsApp user_preferences). */
export interface GateConsentRecord extends StatusRecord {
  category?: 'marketing';
}

/** Email suppressions written from SES feedback: they block every email to the address. */
export type EmailSuppressionReason = 'complaint' | 'hard_bounce';

export type OutboundOutcome = 'allowed' | 'blocked' | 'deferred';

export type OutboundReason =
  | 'opted_in'
  | 'transactional'
  | 'opted_out'
  | 'not_opted_in'
  | 'erased'
  | 'unknown_line'
  | EmailSuppressionReason
  | 'quiet_hours'
  | 'send_after';

/** Which rule of DESIGN §3 decided. */
export type OutboundRule =
  | 'unknown_line'
  | 'send_after'
  | 'email_suppression'
  | 'opt_out_blocks_marketing'
  | 'opt_out_blocks_all'
  | 'erasure_blocks_marketing'
  | 'require_opt_in_explicit'
  | 'marketing_requires_opt_in'
  | 'transactional_allowed'
  | 'quiet_hours';

/** The record that set the status used, as the audit needs to find it again. */
export interface BasisRecord {
  kind: 'line_record' | 'channel_record';
  scope: string;
  status: ConsentStatus;
  eventId: string;
  occurredAt: string;
  category?: 'marketing';
}

/**
 * Why: the status used and where it came from (a record or the account default), the channel
 * policy, and the suppression, erasure tombstone or schedule that applied.
 */
export interface DecisionBasis {
  status: ReportedStatus;
  record?: BasisRecord;
  default?: { status: ConsentStatus };
  /** The channel policy (absent when no account owns the line). */
  optOutBlocks?: OptOutBlocks;
  requireOptIn: boolean;
  suppression?: { reason: EmailSuppressionReason; occurredAt: string };
  erasure?: { erasedAt: string };
  quietHours?: QuietHours & { timeZones: readonly string[] };
  sendAfter?: string;
}

export interface OutboundDecision {
  outcome: OutboundOutcome;
  reason: OutboundReason;
  rule: OutboundRule;
  basis: DecisionBasis;
  /** Deferred messages: the earliest time the gate will decide again. */
  notBefore?: string;
}

export interface OutboundFacts {
  channel: Channel;
  category: MessageCategory;
  requireOptIn?: boolean;
  policy: ChannelPolicy;
  lineRecord?: GateConsentRecord;
  channelRecord?: GateConsentRecord;
  suppression?: { reason: EmailSuppressionReason; occurredAt: string };
  tombstone?: { erasedAt: string };
  /** Timing: `sendAfter` and the channel's quiet hours in the recipient's zones. */
  schedule?: { now: Date; sendAfter?: string; timeZones: readonly string[] };
}

/** A message whose sendAfter is still ahead waits without any consent read: it is decided when due. */
export function sendAfterPending(sendAfter: string | undefined, now: Date): boolean {
  return sendAfter !== undefined && Date.parse(sendAfter) > now.getTime();
}

/**
 * The outbound decision of DESIGN §3, with its basis. Order: timing (sendAfter), email
 * suppressions (every category), explicit opt-out, erasure tombstone, requireOptIn, the marketing
 * opt-in rule or the transactional policy, then quiet hours for marketing that would be allowed.
 */
export function decideOutbound(facts: OutboundFacts): OutboundDecision {
  const requireOptIn = facts.requireOptIn === true;
  const base = { optOutBlocks: facts.policy.optOutBlocks, requireOptIn };
  const sendAfter = facts.schedule?.sendAfter;
  if (facts.schedule && sendAfterPending(sendAfter, facts.schedule.now)) {
    const notBefore = new Date(Date.parse(sendAfter ?? '')).toISOString();
    return { outcome: 'deferred', reason: 'send_after', rule: 'send_after', basis: { status: 'not_defined', ...base, sendAfter }, notBefore };
  }
  const effective = effectiveStatus({
    lineRecord: facts.lineRecord,
    channelRecord: facts.channelRecord,
    defaultStatus: facts.policy.defaultStatus,
  });
  const usedRecord = effective.basis.kind === 'default' ? undefined : effective.basis.kind === 'line_record' ? facts.lineRecord : facts.channelRecord;
  const basis: DecisionBasis = {
    status: effective.explicit ? effective.status : 'not_defined',
    ...(usedRecord ? { record: basisRecord(usedRecord, effective.basis.kind === 'line_record' ? 'line_record' : 'channel_record') } : {}),
    ...(effective.explicit ? {} : { default: { status: facts.policy.defaultStatus } }),
    ...base,
    ...(facts.tombstone ? { erasure: { erasedAt: facts.tombstone.erasedAt } } : {}),
  };
  const blocked = (reason: OutboundReason, rule: OutboundRule, extra: Partial<DecisionBasis> = {}): OutboundDecision => ({
    outcome: 'blocked',
    reason,
    rule,
    basis: { ...basis, ...extra },
  });

  if (facts.channel === 'email' && facts.suppression) {
    return blocked(facts.suppression.reason, 'email_suppression', { suppression: facts.suppression });
  }

  if (facts.category === 'transactional') {
    if (facts.policy.optOutBlocks === 'all') {
      // A marketing-only record (WhatsApp "stop promotions") says nothing about transactional messages.
      const lineRecord = facts.lineRecord?.category === 'marketing' ? undefined : facts.lineRecord;
      const channelRecord = facts.channelRecord?.category === 'marketing' ? undefined : facts.channelRecord;
      const forAll = effectiveStatus({ lineRecord, channelRecord, defaultStatus: facts.policy.defaultStatus });
      if (forAll.explicit && forAll.status === 'opted_out') {
        const record = forAll.basis.kind === 'line_record' ? lineRecord : channelRecord;
        return blocked('opted_out', 'opt_out_blocks_all', {
          status: 'opted_out',
          ...(record ? { record: basisRecord(record, forAll.basis.kind === 'line_record' ? 'line_record' : 'channel_record') } : {}),
        });
      }
    }
    if (requireOptIn && !(effective.explicit && effective.status === 'opted_in')) {
      return blocked('not_opted_in', 'require_opt_in_explicit');
    }
    return { outcome: 'allowed', reason: 'transactional', rule: 'transactional_allowed', basis };
  }

  // Marketing.
  if (effective.explicit && effective.status === 'opted_out') return blocked('opted_out', 'opt_out_blocks_marketing');
  if (facts.tombstone) {
    const optedInSinceErasure =
      effective.explicit && effective.status === 'opted_in' && usedRecord !== undefined && Date.parse(usedRecord.occurredAt) > Date.parse(facts.tombstone.erasedAt);
    if (!optedInSinceErasure) return blocked('erased', 'erasure_blocks_marketing');
  }
  if (requireOptIn && !effective.explicit) return blocked('not_opted_in', 'require_opt_in_explicit');
  if (effective.status !== 'opted_in') return blocked('not_opted_in', 'marketing_requires_opt_in');

  const window = facts.policy.quietHours;
  if (window && facts.schedule) {
    const check = checkSendWindow(window, facts.schedule.timeZones, facts.schedule.now);
    const quietHours = { ...window, timeZones: check.timeZones };
    if (!check.open) {
      return { outcome: 'deferred', reason: 'quiet_hours', rule: 'quiet_hours', basis: { ...basis, quietHours }, notBefore: check.opensAt.toISOString() };
    }
    return { outcome: 'allowed', reason: 'opted_in', rule: 'marketing_requires_opt_in', basis: { ...basis, quietHours } };
  }
  return { outcome: 'allowed', reason: 'opted_in', rule: 'marketing_requires_opt_in', basis };
}

/**
 * Whether an erasure tombstone could change this decision: only marketing that the other rules
 * would let through (an erased contact is blocked for marketing only). Lets the gate read
 * tombstones for those messages alone.
 */
export function tombstoneCanMatter(facts: Omit<OutboundFacts, 'tombstone' | 'schedule'>): boolean {
  return facts.category === 'marketing' && decideOutbound(facts).outcome === 'allowed';
}

/** The decision for a message whose line no account owns. */
export function unknownLineDecision(requireOptIn: boolean | undefined): OutboundDecision {
  return {
    outcome: 'blocked',
    reason: 'unknown_line',
    rule: 'unknown_line',
    basis: { status: 'not_defined', requireOptIn: requireOptIn === true },
  };
}

function basisRecord(record: GateConsentRecord, kind: BasisRecord['kind']): BasisRecord {
  return {
    kind,
    scope: record.scope,
    status: record.status,
    eventId: record.eventId,
    occurredAt: record.occurredAt,
    ...(record.category ? { category: record.category } : {}),
  };
}

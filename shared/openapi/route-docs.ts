import type * as z from '../validation/zod.ts';
import { twilioInboundMessageSchema } from '../adapters/twilio/twilio-inbound-message.ts';
import { accountSettingsPatchSchema } from '../domain/accounts/account-settings.ts';
import { lineInputSchema } from '../domain/accounts/line.ts';
import { webFormInputSchema } from '../domain/forms/web-form.ts';
import { keywordRuleInputSchema } from '../domain/keywords/keyword-rule.ts';
import { createAccountSchema, eventsQuerySchema } from '../http/admin-request-schemas.ts';
import type { RouteKey } from '../manifest.ts';
import { snapshotQuerySchema } from '../use-cases/get-consent-snapshot.ts';
import { optOutReportQuerySchema } from '../use-cases/get-opt-out-report.ts';
import { consentCheckSchema } from '../use-cases/check-consent.ts';
import { keywordTestSchema } from '../use-cases/test-keyword-rules.ts';
import { setConsentSchema } from '../use-cases/set-contact-consent.ts';
import { unsubscribeLinkInputSchema } from '../use-cases/create-unsubscribe-link.ts';
import { profileInputSchema } from '../domain/contacts/contact-profile.ts';
import { retentionOverrideSchema } from '../domain/retention/retention-policy.ts';
import { webFormSubmissionSchema } from '../use-cases/submit-web-form.ts';

export type RouteAuth = 'account' | 'operator' | 'public';

export interface ResponseDoc {
  description: string;
  /** Media type of the body; none for 204. */
  mediaType?: string;
}

/** What the OpenAPI document says about one manifest route. Schemas are the ones the handlers validate with. */
export interface RouteDoc {
  summary: string;
  description?: string;
  tag: string;
  auth: RouteAuth;
  body?: { schema: z.ZodMiniType; mediaType: 'application/json' | 'application/x-www-form-urlencoded' };
  query?: z.ZodMiniObject;
  pathParameters?: Record<string, string>;
  responses: Record<string, ResponseDoc>;
}

const JSON_MEDIA = 'application/json';
const HTML_MEDIA = 'text/html';
const ok = (description: string, mediaType = JSON_MEDIA): Record<string, ResponseDoc> => ({ '200': { description, mediaType } });
const created = (description: string): Record<string, ResponseDoc> => ({ '201': { description, mediaType: JSON_MEDIA } });
const deleted: Record<string, ResponseDoc> = { '204': { description: 'Deleted' } };
const CONTACT = { contact: 'E.164 phone number (URL-encoded: %2B1202…) or email address' };

/**
 * One entry per route of the manifest (a test fails when a route is missing here). Adding a route:
 * add it to shared/manifest.ts, then here with the schema its handler validates.
 */
export const ROUTE_DOCS: Partial<Record<RouteKey, RouteDoc>> = {
  'GET /health': { summary: 'Liveness: answers once DynamoDB and SQS answer', tag: 'Service', auth: 'public', responses: { ...ok('Healthy'), '503': { description: 'A dependency does not answer', mediaType: JSON_MEDIA } } },
  'GET /console': { summary: 'The operator console (a web app that calls this API with the key you enter)', tag: 'Service', auth: 'public', responses: ok('The page', HTML_MEDIA) },
  'GET /console/assets/{file}': { summary: "The console's script, style and icon (named by content hash; cached for a year)", tag: 'Service', auth: 'public', pathParameters: { file: 'File name' }, responses: { ...ok('The file', 'text/javascript'), '404': { description: 'No such file', mediaType: JSON_MEDIA } } },
  'GET /openapi.json': { summary: 'This document', tag: 'Service', auth: 'public', responses: ok('The OpenAPI 3.1 document') },

  'POST /v1/accounts': { summary: 'Create an account and its first API key (operator key only)', tag: 'Accounts', auth: 'operator', body: { schema: createAccountSchema, mediaType: JSON_MEDIA }, responses: created('The account and its API key, shown once') },
  'GET /v1/settings': { summary: 'Read the account settings', tag: 'Accounts', auth: 'account', responses: ok('Settings') },
  'PUT /v1/settings': { summary: 'Change part of the account settings', description: 'Channel defaults and opt-out policy, retention, brand name, the origins allowed to embed forms, the opt-out attribution window.', tag: 'Accounts', auth: 'account', body: { schema: accountSettingsPatchSchema, mediaType: JSON_MEDIA }, responses: ok('The merged settings') },

  'GET /v1/lines': { summary: 'List sending lines', tag: 'Lines', auth: 'account', responses: ok('Lines (credentials are never returned)') },
  'POST /v1/lines': { summary: 'Register a sending line', tag: 'Lines', auth: 'account', body: { schema: lineInputSchema, mediaType: JSON_MEDIA }, responses: { ...created('The line'), '409': { description: 'The address belongs to another account', mediaType: JSON_MEDIA } } },
  'DELETE /v1/lines/{lineId}': { summary: 'Remove a line', tag: 'Lines', auth: 'account', pathParameters: { lineId: 'Line id' }, responses: deleted },

  'GET /v1/rules': { summary: 'List custom keyword rules and the built-in ones', tag: 'Keywords', auth: 'account', responses: ok('Rules') },
  'POST /v1/rules': { summary: 'Create a keyword rule', tag: 'Keywords', auth: 'account', body: { schema: keywordRuleInputSchema, mediaType: JSON_MEDIA }, responses: created('The rule') },
  'PUT /v1/rules/{ruleId}': { summary: 'Replace a keyword rule', tag: 'Keywords', auth: 'account', pathParameters: { ruleId: 'Rule id' }, body: { schema: keywordRuleInputSchema, mediaType: JSON_MEDIA }, responses: ok('The rule') },
  'POST /v1/rules/test': { summary: 'Test the keyword rules on a message, changing nothing', description: 'Which rule a message sent to `lineId` would match (custom rules, plus an optional unsaved `candidate` that may replace the stored rule `replacesRuleId`, then the built-ins), the consent change it would make and the reply optgate would send, from the same engine as real traffic.', tag: 'Keywords', auth: 'account', body: { schema: keywordTestSchema, mediaType: JSON_MEDIA }, responses: ok('The normalised text, the matching rule (or none), the consent change and the reply') },
  'DELETE /v1/rules/{ruleId}': { summary: 'Delete a keyword rule', tag: 'Keywords', auth: 'account', pathParameters: { ruleId: 'Rule id' }, responses: deleted },

  'GET /v1/contacts/{contact}/consent': { summary: "A contact's consent on every line of every channel", description: '`not_defined` where there is no record; channel-wide records; the effective status with its basis.', tag: 'Consent', auth: 'account', pathParameters: CONTACT, responses: ok('Consent view') },
  'PUT /v1/contacts/{contact}/consent': { summary: 'Set consent by hand or API', description: '`line` names a line of the account by its id or its address (`+12025550100`); without it the change covers every line of the channel. An `occurredAt` older than the stored state is audited but does not override it.', tag: 'Consent', auth: 'account', pathParameters: CONTACT, body: { schema: setConsentSchema, mediaType: JSON_MEDIA }, responses: ok('The effect and the audit event') },
  'POST /v1/consent/check': { summary: 'Check up to 100 messages against consent before sending', description: 'The outbound gate’s decision (allowed or not, with the reason and its basis) for each item, from the same batched reads.', tag: 'Consent', auth: 'account', body: { schema: consentCheckSchema, mediaType: JSON_MEDIA }, responses: { ...ok('One decision per item, in order'), '503': { description: 'Consent could not be read: retry', mediaType: JSON_MEDIA } } },
  'GET /v1/contacts/{contact}/events': { summary: 'The audit trail, newest first', tag: 'Consent', auth: 'account', pathParameters: CONTACT, query: eventsQuerySchema, responses: ok('A page of audit events and the next cursor') },

  'POST /v1/forms': { summary: 'Create a web opt-in form', description: 'Returns the form with its hosted `url` and `embedCode` (an iframe snippet). Pages embedding it must be on an origin listed in settings `allowedOrigins`.', tag: 'Forms', auth: 'account', body: { schema: webFormInputSchema, mediaType: JSON_MEDIA }, responses: created('The form, its URL and embed code') },
  'GET /v1/forms': { summary: 'List web forms', tag: 'Forms', auth: 'account', responses: ok('Forms') },
  'GET /v1/forms/{formId}': { summary: 'Read a web form', tag: 'Forms', auth: 'account', pathParameters: { formId: 'Form id' }, responses: ok('The form, its URL and embed code') },
  'PUT /v1/forms/{formId}': { summary: 'Replace a web form (its version goes up)', tag: 'Forms', auth: 'account', pathParameters: { formId: 'Form id' }, body: { schema: webFormInputSchema, mediaType: JSON_MEDIA }, responses: ok('The form') },
  'DELETE /v1/forms/{formId}': { summary: 'Delete a web form (its page answers 404 from then on)', tag: 'Forms', auth: 'account', pathParameters: { formId: 'Form id' }, responses: deleted },

  'GET /v1/reports/snapshot': { summary: 'Opt In & Out Snapshot of lines', description: 'Contacts with a record on the chosen lines, ordered by line, status, contact; paginated with `cursor`. As CSV, parts of up to 10,000 rows; the header comes with the first part, `Link: <…>; rel="next"` names the next.', tag: 'Reports', auth: 'account', query: snapshotQuerySchema, responses: { '200': { description: 'A page of rows (JSON) or a CSV part', mediaType: JSON_MEDIA } } },
  'GET /v1/reports/opt-outs': { summary: 'Opt-out analytics', description: 'Opt-outs and opt-ins per day, line, keyword, campaign (with messages sent and the opt-out rate) or reason, from counters kept on write.', tag: 'Reports', auth: 'account', query: optOutReportQuerySchema, responses: ok('The report (JSON) or CSV') },

  'POST /webhooks/twilio': { summary: 'Twilio inbound SMS / WhatsApp webhook', description: 'Signed with X-Twilio-Signature over the public URL and the parameters; answers TwiML.', tag: 'Webhooks', auth: 'public', body: { schema: twilioInboundMessageSchema, mediaType: 'application/x-www-form-urlencoded' }, responses: ok('TwiML', 'text/xml') },

  'GET /forms/{formId}': { summary: 'The hosted opt-in form page', tag: 'Public forms', auth: 'public', pathParameters: { formId: 'Form id' }, responses: { ...ok('The page', HTML_MEDIA), '404': { description: 'No such form', mediaType: HTML_MEDIA } } },
  'POST /forms/{formId}': { summary: 'Submit the opt-in form', tag: 'Public forms', auth: 'public', pathParameters: { formId: 'Form id' }, body: { schema: webFormSubmissionSchema, mediaType: 'application/x-www-form-urlencoded' }, responses: { ...ok('Subscribed, or check your inbox (double opt-in)', HTML_MEDIA), '400': { description: 'The page again with what to fix', mediaType: HTML_MEDIA }, '429': { description: 'Too many attempts', mediaType: HTML_MEDIA } } },
  'GET /forms/{formId}/confirm/{token}': { summary: 'Double opt-in link: shows a confirm button (changes nothing)', tag: 'Public forms', auth: 'public', pathParameters: { formId: 'Form id', token: 'Sealed confirmation token from the email' }, responses: { ...ok('Confirm page', HTML_MEDIA), '400': { description: 'Expired or invalid link', mediaType: HTML_MEDIA } } },
  'POST /forms/{formId}/confirm/{token}': { summary: 'Double opt-in: confirm; consent starts now', tag: 'Public forms', auth: 'public', pathParameters: { formId: 'Form id', token: 'Sealed confirmation token from the email' }, responses: { ...ok('Confirmed', HTML_MEDIA), '400': { description: 'Expired or invalid link', mediaType: HTML_MEDIA } } },

  'POST /v1/unsubscribe-links': { summary: 'Build RFC 8058 one-click unsubscribe headers for a message', description: 'Returns `List-Unsubscribe` (signed opaque link and mailto) and `List-Unsubscribe-Post` for (line, contact, campaign); `line` is the email line\'s id or address.', tag: 'Email', auth: 'account', body: { schema: unsubscribeLinkInputSchema, mediaType: JSON_MEDIA }, responses: ok('The two headers') },
  'POST /v1/unsubscribe-keys': { summary: 'Rotate the key that signs unsubscribe links (old links keep working)', tag: 'Email', auth: 'account', responses: created('The new key id') },

  'GET /v1/contacts': { summary: 'List contact profiles by address prefix', description: 'Query `prefix`, `limit`, `cursor`; served from the byContact index.', tag: 'Contacts', auth: 'account', responses: ok('A page of profiles and the next cursor') },
  'GET /v1/contacts/{contact}': { summary: 'Read a contact profile', tag: 'Contacts', auth: 'account', pathParameters: CONTACT, responses: ok('The profile') },
  'PUT /v1/contacts/{contact}': { summary: 'Create or replace a contact profile (name, external id, custom attributes)', tag: 'Contacts', auth: 'account', pathParameters: CONTACT, body: { schema: profileInputSchema, mediaType: JSON_MEDIA }, responses: ok('The profile') },
  'DELETE /v1/contacts/{contact}': { summary: 'Erase a contact (right to be forgotten)', description: 'Deletes every item of the contact in the account, keeps only a keyed hash as a suppression tombstone, and returns a receipt.', tag: 'Contacts', auth: 'account', pathParameters: CONTACT, responses: ok('The erasure receipt') },
  'PUT /v1/contacts/{contact}/retention': { summary: 'Override data and message-history retention for one contact', tag: 'Contacts', auth: 'account', pathParameters: CONTACT, body: { schema: retentionOverrideSchema, mediaType: JSON_MEDIA }, responses: ok('The override, re-applied to existing items in the background') },
  'GET /v1/contacts/{contact}/export': { summary: 'Subject access export: everything held about the contact', tag: 'Contacts', auth: 'account', pathParameters: CONTACT, responses: { ...ok('One JSON document'), '404': { description: 'Nothing held (or erased)', mediaType: JSON_MEDIA } } },
  'POST /v1/imports': { summary: 'Import consent from CSV', description: 'Body `text/csv` (contact,channel,line,status,occurredAt,source,evidence…; `line` is a line id or the line\'s address); rows with errors are reported by line number and skipped; re-running a file changes nothing. Back-pressure: an account imports at most 2,000 rows per second; a chunk sent while the previous one still holds its time slot gets 429 with `Retry-After` (seconds) and changed nothing.', tag: 'Contacts', auth: 'account', responses: { ...ok('Counts and the rows with errors'), '429': { description: 'Over the account’s import rate: send the chunk again after Retry-After seconds', mediaType: JSON_MEDIA } } },
  'GET /v1/exports/consent': { summary: "Export the account's consent as CSV, page by page", tag: 'Contacts', auth: 'account', responses: ok('A CSV page', 'text/csv') },

  'GET /webhooks/whatsapp': { summary: 'Meta webhook verification handshake', description: '`hub.mode=subscribe` and the line\'s `hub.verify_token` answer `hub.challenge` as plain text; otherwise 403.', tag: 'Webhooks', auth: 'public', responses: { ...ok('The challenge', 'text/plain'), '403': { description: 'Unknown verify token', mediaType: JSON_MEDIA } } },
  'POST /webhooks/whatsapp': { summary: 'Meta WhatsApp Cloud API webhook', description: 'Signed with X-Hub-Signature-256 over the raw body; messages, marketing preferences and statuses.', tag: 'Webhooks', auth: 'public', responses: ok('Acknowledged') },
  'POST /webhooks/twilio/status': { summary: 'Twilio message status callback', description: 'Signed like every Twilio webhook; ErrorCode 21610 records an opt-out (source provider).', tag: 'Webhooks', auth: 'public', responses: ok('Acknowledged', 'text/xml') },
  'GET /unsubscribe/{token}': { summary: 'Unsubscribe page with a confirm button (never unsubscribes by itself)', tag: 'Email', auth: 'public', pathParameters: { token: 'Signed unsubscribe token' }, responses: ok('The page', HTML_MEDIA) },
  'POST /unsubscribe/{token}': { summary: 'One-click unsubscribe (RFC 8058): `List-Unsubscribe=One-Click`', tag: 'Email', auth: 'public', pathParameters: { token: 'Signed unsubscribe token' }, responses: ok('Unsubscribed; no redirect', HTML_MEDIA) },
};

import type { KnowledgeArticle } from "../../src/domain/schemas.js";

// Knowledge articles written for the search tests, in the on-disk format (front matter + Markdown).
export const ARTICLE_SOURCES: readonly string[] = [
  `---
id: incident-response
title: Incident Response For Outages
tags: incident, outage, availability, status page
---
# Handling a service outage

When several customers in one region report that the service is unavailable, treat it as a
possible incident. Check the status page and the regional health dashboards (EU, US, APAC)
before replying. Requests failing with 503 or other 5xx responses from the edge are the usual
first signal.

Open an incident channel, page the incident-response on-call engineer and post a first status
update within 15 minutes. Link every affected ticket to the incident so customers get one answer.`,

  `---
id: api-errors
title: API Error Codes
tags: [api, errors, http, rate limits]
---
# Reading API error responses

- 400: the request body failed validation; the response names the field.
- 401 and 403: the API key is missing, revoked or lacks the scope.
- 429: the client exceeded its rate limit. Retry after the number of seconds in Retry-After.
- 500: an unexpected server error. Include the request id when escalating.

Validation errors are not incidents. Ask for the request id, endpoint and timestamp.`,

  `---
id: billing-refunds
title: Billing Refunds And Duplicate Charges
tags: billing, refund, invoice, payments
---
# Refunds

A customer who sees the same invoice paid twice on a card statement usually has a duplicate
charge. Confirm the invoice number and both transaction dates, then issue a refund for the
second payment from the billing console. Refunds settle in 5 to 10 business days.

Do not promise refunds for annual plans outside the 30 day window without a billing lead.`,

  `---
id: webhooks
title: Webhook Delivery And Signature Verification
tags:
  - integrations
  - webhooks
  - hmac
---
# Webhook signatures

Every delivery carries an HMAC-SHA256 signature header computed with the endpoint's signing
secret. After the secret is rotated, deliveries are signed with the new secret immediately,
so receivers that still verify with the old one reject every request. Ask the customer to update
the secret in their receiver, or roll back the rotation from the dashboard within 24 hours.

Delivery delays of a few minutes are normal during retries; show the delivery log to the customer.`,

  `---
id: sla-policy
title: Service Level Agreement Policy
tags: sla, response time, priority
---
# Response targets

First-response targets depend on priority: P1 within 1 hour, P2 within 4 hours, P3 within one
business day, P4 within three business days. A ticket is breached once the response deadline
passes without a reply. Enterprise plans carry a 99.9% monthly availability commitment.`,

  `---
id: security-escalation
title: Security Escalation
tags: security, credentials, leak, escalation
---
# When to involve the security team

Any report of a leaked credential, an exposed API token, an unknown administrator or suspicious
sign-in activity goes to the security team at once, whatever the customer's plan. Do not ask the
customer to paste the token into the ticket. Revoke first, investigate second.`,

  `---
id: account-access
title: Account Access And Sign-In Problems
tags: account, login, authentication, sso
---
# Getting users back in

For login failures, confirm the user's email, the sign-in method (password, SSO or SAML) and
the time of the last successful login. Password reset emails can be blocked by corporate
filters. Ownership transfers need an authorized workspace contact.`,
];

/** A minimal reader for the test articles (the service has the hardened loader). */
export function parseArticle(source: string): KnowledgeArticle {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(source);
  if (!match) throw new Error("test article without front matter");
  const [, head = "", body = ""] = match;
  const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, "m").exec(head)?.[1]?.trim() ?? "";
  const rawTags = field("tags");
  const tags = rawTags.startsWith("[")
    ? rawTags.slice(1, -1).split(",")
    : rawTags === ""
      ? [...head.matchAll(/^\s+-\s+(.+)$/gm)].map((m) => m[1] ?? "")
      : rawTags.split(",");
  return {
    id: field("id"),
    title: field("title"),
    tags: tags.map((t) => t.trim()).filter(Boolean),
    body: body.trim(),
  };
}

export const ARTICLES: readonly KnowledgeArticle[] = ARTICLE_SOURCES.map(parseArticle);

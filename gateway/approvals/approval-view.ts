import { escapeHtml } from '../pages/html.js';
import { decideRefusal, type Decider } from './approvers.js';
import type { ApprovalRecord } from './record.js';

/** A held request as its requester and approvers see it (JSON): exactly what will be sent, minus nothing. */
export function approvalJson(record: ApprovalRecord, who: Decider, now = Date.now()) {
  const body = bodyOf(record);
  return {
    id: record.id,
    state: record.state === 'pending' && record.expiresAt <= now ? 'expired' : record.state,
    statusUrl: `/approvals/${record.id}`,
    route: record.route,
    description: record.description ?? null,
    request: { method: record.request.method, url: record.request.url, headers: record.request.headers, body: body.text, bodyEncoding: body.encoding, bodyBytes: record.request.bodyBytes },
    requester: { loginId: record.requester.loginId, name: displayName(record) },
    required: record.required,
    decisions: record.decisions.map((d) => ({ by: d.by, decision: d.decision, comment: d.comment, at: new Date(d.at).toISOString() })),
    createdAt: new Date(record.createdAt).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
    mayDecide: record.state === 'pending' && record.expiresAt > now && decideRefusal(record, who) === undefined,
    result: record.result
      ? { status: record.result.status ?? null, body: record.result.body ?? null, contentType: record.result.contentType ?? null, error: record.result.error ?? null, at: new Date(record.result.at).toISOString() }
      : null,
  };
}

export type ApprovalJson = ReturnType<typeof approvalJson>;

/** The request as approvers read it: method, URL, headers, body. All escaped. */
export function requestHtml(view: ApprovalJson): string {
  const headers = Object.entries(view.request.headers).map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(v)}`).join('\n');
  const body = view.request.bodyBytes === 0 ? '' : `\n\n${escapeHtml(view.request.body)}`;
  const note = view.request.bodyEncoding === 'base64' ? `<p class="muted">The body is binary (${view.request.bodyBytes} bytes), shown in base64.</p>` : '';
  return `<pre class="held" style="white-space:pre-wrap;word-break:break-all;background:#f4f5f7;padding:.6rem;border-radius:6px">${escapeHtml(view.request.method)} ${escapeHtml(view.request.url)}${headers ? '\n' + headers : ''}${body}</pre>${note}`;
}

const STATE_TEXT: Record<string, string> = {
  pending: 'waiting for approval',
  approved: 'approved, being sent',
  sending: 'approved, being sent',
  sent: 'approved and sent',
  failed: 'approved, but could not be sent',
  rejected: 'rejected; it was not sent',
  expired: 'expired undecided; it was not sent',
};

export function stateText(state: string): string {
  return STATE_TEXT[state] ?? state;
}

/** A decision form (approve / reject with a comment); `action` is where it posts. */
export function decisionFormHtml(view: ApprovalJson, action: string, csrf: string): string {
  return `<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<label for="comment-${escapeHtml(view.id)}">Comment</label>
<input type="text" id="comment-${escapeHtml(view.id)}" name="comment" maxlength="500">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="reject" class="alt">Reject</button>
</form>`;
}

/** Everything about one request: the status page's body and an account page entry. */
export function approvalDetailsHtml(view: ApprovalJson): string {
  const rows: string[] = [
    `<p><strong>${escapeHtml(view.description ?? `${view.request.method} ${view.request.url.split('?')[0]}`)}</strong></p>`,
    `<p>Status: <strong class="state">${escapeHtml(stateText(view.state))}</strong></p>`,
    `<p class="muted">Asked by ${escapeHtml(view.requester.name)} (${escapeHtml(view.requester.loginId)}) at ${escapeHtml(view.createdAt)}; expires ${escapeHtml(view.expiresAt)}; ${view.required === 2 ? 'needs two approvals' : 'needs one approval'}.</p>`,
    `<p>What will be sent to <code>${escapeHtml(view.route)}</code>:</p>`,
    requestHtml(view),
  ];
  for (const d of view.decisions) rows.push(`<p class="decision">${escapeHtml(d.by)} ${d.decision === 'approve' ? 'approved' : 'rejected'} at ${escapeHtml(d.at)}${d.comment ? `: “${escapeHtml(d.comment)}”` : ''}</p>`);
  if (view.result) {
    rows.push(
      view.result.status !== null
        ? `<p class="result">The application answered <strong>${escapeHtml(view.result.status)}</strong>.</p>${view.result.body ? `<pre style="white-space:pre-wrap;word-break:break-all">${escapeHtml(view.result.body)}</pre>` : ''}`
        : `<p class="result">Not sent: ${escapeHtml(view.result.error ?? '')}</p>`,
    );
  }
  return rows.join('\n');
}

function bodyOf(record: ApprovalRecord): { text: string; encoding: 'utf8' | 'base64' } {
  const buf = Buffer.from(record.request.body, 'base64');
  const text = buf.toString('utf8');
  // a body that is not valid UTF-8 text is shown as it is, in base64, never "fixed"
  return Buffer.from(text, 'utf8').equals(buf) && !/[\u0000-\u0008\u000e-\u001f]/.test(text) ? { text, encoding: 'utf8' } : { text: record.request.body, encoding: 'base64' };
}

function displayName(record: ApprovalRecord): string {
  const a = record.requester.attributes;
  return [a.firstName, a.lastName].filter(Boolean).join(' ') || record.requester.loginId;
}

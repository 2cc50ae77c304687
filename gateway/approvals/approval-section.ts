import type { AccountSection } from '../account/section.js';
import { escapeHtml } from '../pages/html.js';
import type { ApprovalService } from './approval-service.js';
import { approvalDetailsHtml, approvalJson, decisionFormHtml, stateText } from './approval-view.js';

/** Most of the user's own requests listed; older ones stay reachable by their status URL. */
const MINE_SHOWN = 20;

/**
 * "Approvals" on the account page: the requests this user may decide (who asked, exactly what
 * will be sent, when it expires, approve or reject with a comment), then their own requests
 * and what became of them. The form posts are registered by approval-routes.ts.
 */
export function approvalSection(approvals: ApprovalService): AccountSection {
  return {
    id: 'approvals',
    title: 'Approvals',
    order: 400,
    async render(view) {
      const user = view.session.record.user;
      const who = { loginId: user.loginId, roles: user.roles, groups: user.groups };
      const { toDecide, mine } = await approvals.listFor(who);
      const decide = toDecide.length
        ? toDecide
            .map((r) => approvalJson(r, who))
            .map((v) => `<article class="to-decide" id="approval-${escapeHtml(v.id)}">${approvalDetailsHtml(v)}${decisionFormHtml(v, `/account/approvals/${v.id}/decision`, view.csrf)}</article>`)
            .join('<hr>')
        : '<p class="muted">No requests wait for your decision.</p>';
      const own = mine.length
        ? `<ul>${mine
            .slice(0, MINE_SHOWN)
            .map((r) => approvalJson(r, who))
            .map((v) => `<li class="mine"><a href="${escapeHtml(v.statusUrl)}">${escapeHtml(v.description ?? `${v.request.method} ${v.request.url.split('?')[0]}`)}</a>: ${escapeHtml(stateText(v.state))}${v.result?.status != null ? ` (answered ${escapeHtml(v.result.status)})` : ''}</li>`)
            .join('')}</ul>`
        : '<p class="muted">You have asked for no approvals.</p>';
      return `<h3>Waiting for my decision</h3>${decide}<h3>My requests</h3>${own}`;
    },
  };
}

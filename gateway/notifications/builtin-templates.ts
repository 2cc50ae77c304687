import type { NotificationEventType } from './events.js';
import type { TemplateSource } from './template.js';

/**
 * The templates the gateway ships, per event and language. Operators replace any of them
 * with `<event>.<language>.yaml` in `notifications.templatesDir`, or add languages there.
 */
export const BUILTIN_TEMPLATES: Record<NotificationEventType, Record<string, TemplateSource>> = {
  'approval-requested': {
    en: {
      subject: 'Approval needed: {{ approval.description }}',
      text: 'Hello {{ user.name }},\n\n{{ requester.name }} ({{ requester.loginId }}) asks for your approval:\n{{ approval.description }}\n{{ approval.method }} {{ approval.path }}\n\nSee exactly what will be sent, then approve or reject it:\n{{ approval.url }}\n\nThe request expires at {{ approval.expiresAt }}.\n\nYour notification settings: {{ links.notifications }}',
    },
    de: {
      subject: 'Freigabe erbeten: {{ approval.description }}',
      text: 'Hallo {{ user.name }},\n\n{{ requester.name }} ({{ requester.loginId }}) bittet um Ihre Freigabe:\n{{ approval.description }}\n{{ approval.method }} {{ approval.path }}\n\nPrüfen Sie, was genau gesendet wird, und geben Sie frei oder lehnen Sie ab:\n{{ approval.url }}\n\nDie Anfrage verfällt am {{ approval.expiresAt }}.\n\nIhre Benachrichtigungen: {{ links.notifications }}',
    },
  },
  'approval-approved': {
    en: {
      subject: 'Approved: {{ approval.description }}',
      text: 'Hello {{ user.name }},\n\nyour request was approved by {{ approval.approvedBy }} and sent.\n{{ approval.method }} {{ approval.path }}\nThe application answered: {{ approval.upstreamStatus }}\n\nComment: {{ approval.comment }}\n\nDetails: {{ approval.url }}',
    },
    de: {
      subject: 'Freigegeben: {{ approval.description }}',
      text: 'Hallo {{ user.name }},\n\nIhre Anfrage wurde von {{ approval.approvedBy }} freigegeben und gesendet.\n{{ approval.method }} {{ approval.path }}\nAntwort der Anwendung: {{ approval.upstreamStatus }}\n\nKommentar: {{ approval.comment }}\n\nEinzelheiten: {{ approval.url }}',
    },
  },
  'approval-rejected': {
    en: {
      subject: 'Rejected: {{ approval.description }}',
      text: 'Hello {{ user.name }},\n\nyour request was rejected by {{ approval.rejectedBy }}; it was not sent.\n{{ approval.method }} {{ approval.path }}\n\nComment: {{ approval.comment }}\n\nDetails: {{ approval.url }}',
    },
    de: {
      subject: 'Abgelehnt: {{ approval.description }}',
      text: 'Hallo {{ user.name }},\n\nIhre Anfrage wurde von {{ approval.rejectedBy }} abgelehnt und nicht gesendet.\n{{ approval.method }} {{ approval.path }}\n\nKommentar: {{ approval.comment }}\n\nEinzelheiten: {{ approval.url }}',
    },
  },
  'approval-expired': {
    en: {
      subject: 'Expired: {{ approval.description }}',
      text: 'Hello {{ user.name }},\n\nnobody decided on your request before {{ approval.expiresAt }}; it expired and was not sent.\n{{ approval.method }} {{ approval.path }}\n\nDetails: {{ approval.url }}',
    },
    de: {
      subject: 'Verfallen: {{ approval.description }}',
      text: 'Hallo {{ user.name }},\n\nniemand hat bis {{ approval.expiresAt }} über Ihre Anfrage entschieden; sie ist verfallen und wurde nicht gesendet.\n{{ approval.method }} {{ approval.path }}\n\nEinzelheiten: {{ approval.url }}',
    },
  },
  'account-locked': {
    en: {
      subject: 'Your account is locked for {{ lockout.minutes }} minutes',
      text: 'Hello {{ user.name }},\n\nafter too many failed logins your account {{ user.loginId }} is locked for {{ lockout.minutes }} minutes (last attempt from {{ lockout.address }}).\n\nIf that was not you, tell your administrator.\n\n{{ links.gateway }}',
    },
    de: {
      subject: 'Ihr Konto ist für {{ lockout.minutes }} Minuten gesperrt',
      text: 'Hallo {{ user.name }},\n\nnach zu vielen fehlgeschlagenen Anmeldungen ist Ihr Konto {{ user.loginId }} für {{ lockout.minutes }} Minuten gesperrt (letzter Versuch von {{ lockout.address }}).\n\nWaren Sie das nicht, melden Sie es Ihrem Administrator.\n\n{{ links.gateway }}',
    },
  },
  'credential-added': {
    en: { subject: 'A credential was added to your account', text: 'Hello {{ user.name }},\n\nthe credential "{{ credential.name }}" for {{ credential.service }} was added to your vault.\n\nIf that was not you, remove it: {{ links.account }}' },
    de: { subject: 'Ein Zugang wurde Ihrem Konto hinzugefügt', text: 'Hallo {{ user.name }},\n\nder Zugang „{{ credential.name }}“ für {{ credential.service }} wurde in Ihrem Tresor gespeichert.\n\nWaren Sie das nicht, entfernen Sie ihn: {{ links.account }}' },
  },
  'credential-removed': {
    en: { subject: 'A credential was removed from your account', text: 'Hello {{ user.name }},\n\nthe credential "{{ credential.name }}" for {{ credential.service }} was removed from your vault.\n\n{{ links.account }}' },
    de: { subject: 'Ein Zugang wurde aus Ihrem Konto entfernt', text: 'Hallo {{ user.name }},\n\nder Zugang „{{ credential.name }}“ für {{ credential.service }} wurde aus Ihrem Tresor entfernt.\n\n{{ links.account }}' },
  },
  'session-ended': {
    en: { subject: 'A session of yours was ended', text: 'Hello {{ user.name }},\n\nyour session from {{ session.address }} (started {{ session.startedAt }}) was ended by {{ session.endedBy }} on the account page.\n\n{{ links.account }}' },
    de: { subject: 'Eine Ihrer Sitzungen wurde beendet', text: 'Hallo {{ user.name }},\n\nIhre Sitzung von {{ session.address }} (begonnen {{ session.startedAt }}) wurde von {{ session.endedBy }} auf der Kontoseite beendet.\n\n{{ links.account }}' },
  },
  'new-address-login': {
    en: {
      subject: 'New login to your account from {{ login.address }}',
      text: 'Hello {{ user.name }},\n\nyour account {{ user.loginId }} logged in from {{ login.address }} at {{ login.at }} ({{ login.authenticator }}), an address not seen for your account before.\n\nIf that was not you, end the session and change your password: {{ links.account }}',
    },
    de: {
      subject: 'Neue Anmeldung an Ihrem Konto von {{ login.address }}',
      text: 'Hallo {{ user.name }},\n\nIhr Konto {{ user.loginId }} wurde am {{ login.at }} von {{ login.address }} angemeldet ({{ login.authenticator }}), einer Adresse, die für Ihr Konto neu ist.\n\nWaren Sie das nicht, beenden Sie die Sitzung und ändern Sie Ihr Passwort: {{ links.account }}',
    },
  },
  'daily-summary': {
    en: {
      subject: 'Your daily summary: {{ summary.pendingCount }} approvals waiting',
      text: 'Hello {{ user.name }},\n\nwaiting for your decision ({{ summary.pendingCount }}):\n{{ summary.pendingList }}\n\nwhat happened to your requests ({{ summary.resultCount }}):\n{{ summary.resultList }}\n\n{{ links.account }}',
    },
    de: {
      subject: 'Ihre tägliche Übersicht: {{ summary.pendingCount }} Freigaben offen',
      text: 'Hallo {{ user.name }},\n\nwarten auf Ihre Entscheidung ({{ summary.pendingCount }}):\n{{ summary.pendingList }}\n\nwas aus Ihren Anfragen wurde ({{ summary.resultCount }}):\n{{ summary.resultList }}\n\n{{ links.account }}',
    },
  },
};

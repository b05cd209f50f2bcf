// A project's request log: its requests newest first, each with its result and who sent it (the envelope's
// requestedBy, which the API gateway writes), from GET /v1/projects/{project}/requests.
import { get } from './api.js';
import { el, link, table } from './dom.js';

const PAGE = 50;

export async function load(name, after) {
  const query = '?limit=' + PAGE + (after ? '&cursor=' + encodeURIComponent(after) : '');
  return get('/v1/projects/' + encodeURIComponent(name) + '/requests' + query);
}

export function render(data, name, after) {
  const rows = data.requests.map((r) => ({
    attrs: { 'data-request': r.requestId, class: r.status === 'ACCEPTED' ? 'accepted' : 'failing' },
    cells: [r.sequence === null ? '–' : String(r.sequence), el('time', { datetime: r.completedAt }, r.completedAt.replace('T', ' ')),
      r.command, el('span', { class: 'result' }, r.status + (r.reason === 'OK' ? '' : ' ' + r.reason)), r.message,
      by(r.requestedBy), r.requestId],
  }));
  return el('div', {},
    el('h1', {}, 'Request log of ', el('span', { class: 'name' }, name)),
    el('p', { class: 'links' }, link('project', 'projects', name), ' · ', link('topology', 'projects', name, 'topology')),
    el('section', { id: 'requests' },
      el('p', {}, after ? [link('newest', 'projects', name, 'requests'), ' · '] : 'Newest first; ',
        'each request with the first result the controller gave it, kept for the idempotency retention.'),
      table(['#', 'completed', 'command', 'result', 'message', 'requested by', 'request id'], rows, 'no requests within the retention'),
      data.next ? el('p', {}, link('older requests', 'projects', name, 'requests', 'after', data.next.cursor)) : null));
}

function by(requester) {
  return requester ? requester.subject + ' via ' + requester.gateway : el('span', { class: 'muted' }, 'direct (no gateway)');
}

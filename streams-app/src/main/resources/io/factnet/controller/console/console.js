// The console's router and its live refresh: the view of the address's hash is loaded, drawn, and loaded again every
// REFRESH_MS; it is drawn again only when what the API answered changed, so a page that is being read stays put.
import { el, link, replace } from './dom.js';
import * as overview from './overview.js';
import * as project from './project.js';
import * as topology from './topology.js';
import * as requests from './requests.js';

const REFRESH_MS = 2000;

// #/ | #/projects/P | #/projects/P/topology | #/projects/P/requests[/after/CURSOR]
const ROUTES = [
  { pattern: /^#?\/?$/, view: overview, name: 'overview' },
  { pattern: /^#\/projects\/([^/]+)$/, view: project, name: 'project' },
  { pattern: /^#\/projects\/([^/]+)\/topology$/, view: topology, name: 'topology' },
  { pattern: /^#\/projects\/([^/]+)\/requests(?:\/after\/([A-Za-z0-9_-]+))?$/, view: requests, name: 'requests' },
];

const main = document.getElementById('view');
const status = document.getElementById('status');
const crumbs = document.getElementById('crumbs');

let generation = 0; // a navigation starts a new one: answers of an older one are dropped
let timer = null;
let shown = null; // the JSON text of what is drawn

function route() {
  for (const candidate of ROUTES) {
    const match = candidate.pattern.exec(location.hash);
    if (match) {
      return { ...candidate, params: match.slice(1).map((part) => (part === undefined ? null : decodeURIComponent(part))) };
    }
  }
  return null;
}

function navigate() {
  generation += 1;
  shown = null;
  clearTimeout(timer);
  main.dataset.ready = 'false';
  const current = route();
  if (!current) {
    main.dataset.view = 'unknown';
    replace(main, el('h1', {}, 'No such page'), el('p', {}, link('The cloud at a glance')));
    main.dataset.ready = 'true';
    return;
  }
  main.dataset.view = current.name;
  const project = current.params[0];
  replace(crumbs, link('cloud'), project === undefined ? null : [' / ', link(project, 'projects', project)],
    current.name === 'topology' || current.name === 'requests' ? [' / ', current.name] : null);
  refresh(current, generation);
}

async function refresh(current, mine) {
  try {
    const data = await current.view.load(...current.params);
    if (mine !== generation) {
      return;
    }
    const text = JSON.stringify(data);
    if (text !== shown) {
      replace(main, current.view.render(data, ...current.params));
      shown = text;
      main.dataset.revision = String(Number(main.dataset.revision || 0) + 1);
    }
    main.dataset.ready = 'true';
    main.dataset.refreshes = String(Number(main.dataset.refreshes || 0) + 1); // tests wait for the next refresh by it
    status.className = 'live';
    status.textContent = 'live · updated ' + new Date().toLocaleTimeString();
  } catch (error) {
    if (mine !== generation) {
      return;
    }
    status.className = 'failing';
    status.textContent = 'cannot read the API: ' + error.message + ' (retrying)';
    if (shown === null) {
      replace(main, el('h1', {}, 'Cannot show this page'), el('p', { class: 'error' }, error.message));
      main.dataset.ready = 'true';
    }
  }
  if (mine === generation) {
    timer = setTimeout(() => refresh(current, mine), REFRESH_MS);
  }
}

window.addEventListener('hashchange', navigate);
navigate();

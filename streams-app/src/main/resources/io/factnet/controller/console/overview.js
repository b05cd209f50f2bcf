// The cloud at a glance: projects, pools with their usage, nodes with their roles and what their agents applied.
import { get, all, pools } from './api.js';
import { el, link, table, usage } from './dom.js';

const ADMIN = '_admin'; // the operators' pool-wide requests have a queue of their own, not a tenant

export async function load() {
  const [projects, nodes, poolList] = await Promise.all([all('/v1/projects', 'projects'), all('/v1/nodes', 'nodes'), pools()]);
  return { projects, nodes, pools: poolList };
}

export function render(data) {
  const tenants = data.projects.items.filter((p) => p.project !== ADMIN);
  return el('div', {},
    el('h1', {}, 'The cloud at a glance'),
    el('section', { id: 'projects' },
      el('h2', {}, 'Projects (' + tenants.length + ')'),
      truncated(data.projects),
      table(['project', 'VLAN', 'network', 'instances', 'floating IPs', 'groups', 'VPN', 'queued', 'routing node'],
        tenants.map(projectRow), 'no projects yet'),
      data.projects.items.some((p) => p.project === ADMIN)
        ? el('p', {}, 'The operators\u2019 requests (pools, nodes): ', link('request log of ' + ADMIN, 'projects', ADMIN, 'requests'))
        : null),
    el('section', { id: 'pools' }, el('h2', {}, 'Pools'), poolsTable(data.pools)),
    el('section', { id: 'nodes' },
      el('h2', {}, 'Nodes (' + data.nodes.items.length + ')'),
      truncated(data.nodes),
      data.nodes.items.length === 0 ? el('p', { class: 'empty' }, 'no nodes registered') : data.nodes.items.map(nodeCard)));
}

function truncated(list) {
  return list.truncated ? el('p', { class: 'warning' }, 'Only the first ' + list.items.length + ' are shown.') : null;
}

function projectRow(p) {
  const network = p.network;
  return {
    attrs: { 'data-project': p.project },
    cells: [
      link(p.project, 'projects', p.project),
      network ? String(network.vlan) : '–',
      network ? network.cidr : 'no network',
      String(p.usage.fixedIps),
      usage(p.usage.floatingIps, p.quotas.floatingIps),
      String(p.groups.length),
      p.vpn ? p.vpn.publicAddress + ':' + p.vpn.port + ' (' + p.vpn.peers.length + (p.vpn.peers.length === 1 ? ' peer)' : ' peers)') : '–',
      String(p.queuedRequests),
      network ? network.nodes.routing : '–',
    ],
  };
}

function poolsTable(pools) {
  const rows = [];
  for (const range of pools.vlanRanges) {
    rows.push({ attrs: { 'data-pool': 'vlan/' + range.physicalNetwork },
      cells: ['VLAN ids', range.physicalNetwork + ': ' + range.first + '–' + range.last, usage(range.used, range.size)] });
  }
  if (pools.supernet) {
    const s = pools.supernet;
    rows.push({ attrs: { 'data-pool': 'supernet' },
      cells: ['project blocks', s.cidr + ' in /' + s.blockPrefix + ' blocks', usage(s.used, s.size)] });
  }
  for (const pool of pools.floatingPools) {
    rows.push({ attrs: { 'data-pool': 'floating/' + pool.pool },
      cells: ['floating IPs', pool.pool + ': ' + pool.cidrs.concat(pool.ranges).join(', '), usage(pool.used, pool.size)] });
  }
  return table(['kind', 'pool', 'used'], rows, 'no pools defined');
}

function nodeCard(node) {
  const applied = Object.entries(node.applied);
  const failing = applied.some(([, ack]) => ack.error);
  return el('article', { class: 'node' + (failing ? ' failing' : ''), 'data-node': node.nodeId },
    el('h3', {}, node.nodeId, node.registered ? null : el('span', { class: 'tag warning' }, 'not registered')),
    node.registered
      ? el('p', {},
        (node.roles || []).map((role) => el('span', { class: 'tag role' }, role.toLowerCase())),
        ' ', node.publicAddress,
        node.physicalNetworks && node.physicalNetworks.length ? ' · serves ' + node.physicalNetworks.join(', ') : ' · serves every physical network',
        node.vpnPorts ? [' · VPN ports ', usage(node.vpnPorts.used, node.vpnPorts.last - node.vpnPorts.first + 1)] : null)
      : null,
    node.load && Object.keys(node.load).length
      ? el('p', { class: 'load' }, 'networks placed: ' + Object.entries(node.load).map(([r, n]) => r.toLowerCase() + ' ' + n).join(', '))
      : null,
    table(['role', 'applied offset', 'lag', 'apply', 'holds', 'last error'],
      applied.map(([role, ack]) => ({
        attrs: { 'data-role': role, class: ack.error ? 'failing' : '' },
        cells: [role.toLowerCase(), String(ack.appliedOffset), ack.lag === null || ack.lag === undefined ? '?' : String(ack.lag),
          ack.applyMillis + ' ms', Object.entries(ack.counts || {}).map(([k, v]) => k + ' ' + v).join(', '),
          ack.error ? el('span', { class: 'error' }, ack.error) : 'none'],
      })), 'no agent has acked yet'));
}

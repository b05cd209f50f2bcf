// A project: its network, groups with rules, instances by host with fixed and floating IPs, VPN and peers.
import { get, all } from './api.js';
import { el, link, table, usage, facts } from './dom.js';

export async function load(name) {
  const path = '/v1/projects/' + encodeURIComponent(name);
  const [project, instances, floating] = await Promise.all([get(path), all(path + '/instances', 'instances'),
    all('/v1/floating-ips?project=' + encodeURIComponent(name), 'floatingIps')]);
  return { project, instances, floating };
}

/**
 * The project's instances by the host their port is on: a fixed IP's host, or, when it has none (null), the network's
 * bridging node, which then is their host (ADR 0035). Hosts in name order, the bridging node first.
 */
export function hostsOf(project, instances) {
  const bridging = project.network ? project.network.nodes.bridging : null;
  const hosts = new Map();
  if (bridging) {
    hosts.set(bridging, { name: bridging, bridging: true, instances: [] });
  }
  for (const instance of instances) {
    const name = instance.host || bridging || '(no host)';
    if (!hosts.has(name)) {
      hosts.set(name, { name, bridging: false, instances: [] });
    }
    hosts.get(name).instances.push(instance);
  }
  const list = [...hosts.values()];
  return list.filter((h) => h.bridging).concat(list.filter((h) => !h.bridging).sort((a, b) => a.name.localeCompare(b.name)));
}

export function render(data, name) {
  const p = data.project;
  return el('div', {},
    el('h1', {}, 'Project ', el('span', { class: 'name' }, p.project)),
    el('p', { class: 'links' }, link('topology', 'projects', name, 'topology'), ' · ', link('request log', 'projects', name, 'requests')),
    el('section', { id: 'network' }, el('h2', {}, 'Network'), network(p.network)),
    el('section', { id: 'usage' }, el('h2', {}, 'Usage and quotas'), table(['what', 'used'], [
      ['floating IPs', usage(p.usage.floatingIps, p.quotas.floatingIps)],
      ['security groups', usage(p.usage.securityGroups, p.quotas.securityGroups)],
      ['fixed IPs', usage(p.usage.fixedIps, p.quotas.fixedIps)],
      ['rules per group', 'at most ' + p.quotas.rulesPerGroup],
      ['requests queued', String(p.queuedRequests)],
    ])),
    el('section', { id: 'groups' }, el('h2', {}, 'Security groups (' + p.groups.length + ')'), p.groups.map(group)),
    el('section', { id: 'instances' },
      el('h2', {}, 'Instances by host (' + data.instances.items.length + ')'),
      data.instances.truncated ? el('p', { class: 'warning' }, 'Only the first ' + data.instances.items.length + ' are shown.') : null,
      data.instances.items.length === 0 ? el('p', { class: 'empty' }, 'no instances') : hostsOf(p, data.instances.items).map(host)),
    el('section', { id: 'floating' }, el('h2', {}, 'Floating IPs (' + data.floating.items.length + ')'),
      table(['address', 'pool', 'instance', 'fixed address', 'auto-assigned'], data.floating.items.map((f) => ({
        attrs: { 'data-address': f.address },
        cells: [f.address, f.pool, f.instance || 'not associated', f.fixedAddress || '–', f.autoAssigned ? 'yes' : 'no'],
      })), 'none allocated')),
    el('section', { id: 'vpn' }, el('h2', {}, 'VPN'), vpn(p.vpn)));
}

function network(n) {
  if (!n) {
    return el('p', { class: 'empty' }, 'no network yet');
  }
  return facts([
    ['VLAN', n.vlan + ' on ' + n.physicalNetwork],
    ['CIDR', n.cidr],
    ['bridge', n.bridge],
    ['gateway', n.gateway],
    ['groups get', '/' + n.groupPrefix + ' subnets'],
    ['DNS servers', n.dnsServers.join(', ')],
    ['domain', n.domain],
    ['lease', n.leaseSeconds + ' s'],
    ['VPN address', n.vpnAddress + ' (clients ' + n.vpnClientSubnet + ')'],
    ['routing node', n.nodes.routing],
    ['addressing node', n.nodes.addressing],
    ['bridging node', n.nodes.bridging],
    ['tunneling node', n.nodes.tunneling],
  ]);
}

function group(g) {
  return el('article', { class: 'group', 'data-group': g.name },
    el('h3', {}, g.name, g.implicit ? el('span', { class: 'tag' }, 'implicit') : null),
    el('p', { class: 'description' }, g.description),
    el('p', {}, (g.subnet ? 'subnet ' + g.subnet : 'no subnet yet (given with its first instance)') + ' · ' + g.instances + ' instance' + (g.instances === 1 ? '' : 's')),
    table(['direction', 'protocol', 'ports', 'from', 'to', 'rule id'], g.rules.map((r) => ({
      attrs: { 'data-rule': r.ruleId },
      cells: [r.direction.toLowerCase(), r.protocol, ports(r), r.sourceCidr || (r.sourceGroup ? 'group ' + r.sourceGroup : 'any'),
        r.destinationCidr || (r.destinationGroup ? 'group ' + r.destinationGroup : 'any'), r.ruleId],
    })), 'no rules: nothing comes in'),
    g.reserved && g.reserved.length
      ? el('p', {}, 'reserved: ', g.reserved.map((r) => r.address + (r.description ? ' (' + r.description + ')' : '')).join(', '))
      : null);
}

function ports(r) {
  if (r.protocol === 'ICMP') {
    return r.icmpType === null ? 'any type' : 'type ' + r.icmpType + (r.icmpCode === null ? '' : ' code ' + r.icmpCode);
  }
  if (r.fromPort === null) {
    return 'all';
  }
  return r.fromPort === r.toPort ? String(r.fromPort) : r.fromPort + '–' + r.toPort;
}

function host(h) {
  return el('article', { class: 'host', 'data-host': h.name },
    el('h3', {}, h.name, h.bridging ? el('span', { class: 'tag' }, 'bridging node') : el('span', { class: 'tag' }, 'compute host'),
      ' ', h.instances.length + ' instance' + (h.instances.length === 1 ? '' : 's')),
    table(['instance', 'group', 'fixed IP', 'MAC', 'floating IPs', 'status'], h.instances.map((i) => ({
      attrs: { 'data-instance': i.instance, class: i.status === 'DOWN' ? 'failing' : '' },
      cells: [i.instance + (i.hostname && i.hostname !== i.instance ? ' (' + i.hostname + ')' : ''), i.group, i.address, i.mac,
        i.floatingIps.join(', ') || '–',
        i.status === 'DOWN' ? 'DOWN since ' + new Date(i.downSince).toISOString() : i.leased ? 'up, leased' : 'up'],
    }))));
}

function vpn(v) {
  if (!v) {
    return el('p', { class: 'empty' }, 'no VPN');
  }
  return el('div', {},
    facts([['node', v.nodeId], ['endpoint', v.publicAddress + ':' + v.port], ['interface', v.interfaceName], ['address', v.address]]),
    el('h3', {}, 'Peers (' + v.peers.length + ')'),
    table(['public key', 'address'], v.peers.map((peer) => [peer.publicKey, peer.address]), 'no peers'));
}

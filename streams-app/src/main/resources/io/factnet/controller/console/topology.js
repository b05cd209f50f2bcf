// A project's topology drawn from the facts: the public network, the routing node (and the VPN's tunneling node), the
// project's L2 (its VLAN), the hosts its instances' ports are on, and the instances. layout() places everything by
// code (a pure function of the facts, tested in a browser); draw() turns a layout into SVG.
import { all } from './api.js';
import { el, link, svg } from './dom.js';
import * as project from './project.js';

const MARGIN = 20;
const BOX_H = 48;
const INSTANCE = { w: 160, h: 62, gap: 12, perColumn: 6 }; // three lines: name, fixed IP, floating IPs
const HOST = { w: 180, h: 44, gap: 36 };
const ROW_GAP = 44;
const CHAR_W = 6.8; // the width of a character at the stylesheet's 12px font, about: longer lines are cut, whole in the tooltip

export async function load(name) {
  const [data, nodes] = await Promise.all([project.load(name), all('/v1/nodes', 'nodes')]);
  return { ...data, nodes: nodes.items };
}

/** The facts the picture needs, from the API's answers. */
export function model(data) {
  const p = data.project;
  const byId = new Map(data.nodes.map((n) => [n.nodeId, n]));
  const routing = p.network ? byId.get(p.network.nodes.routing) || { nodeId: p.network.nodes.routing } : null;
  return {
    project: p.project,
    network: p.network,
    routing: routing ? { nodeId: routing.nodeId, publicAddress: routing.publicAddress || null } : null,
    floating: data.floating.items.map((f) => f.address),
    vpn: p.vpn ? { nodeId: p.vpn.nodeId, endpoint: p.vpn.publicAddress + ':' + p.vpn.port, peers: p.vpn.peers.length } : null,
    hosts: project.hostsOf(p, data.instances.items).map((h) => ({
      name: h.name,
      bridging: h.bridging,
      instances: h.instances.map((i) => ({ name: i.instance, address: i.address, floating: i.floatingIps, down: i.status === 'DOWN' })),
    })),
  };
}

/**
 * Places the boxes: one row per layer, hosts side by side, each host's instances in columns of at most
 * INSTANCE.perColumn under it; every row centred on the widest. Returns { width, height, boxes, links }, a box being
 * { id, kind, x, y, w, h, lines, title, down } and a link a polyline { kind, points: [[x, y], ...] }.
 */
export function layout(m) {
  const boxes = [];
  const links = [];
  const hostWidths = m.hosts.map((h) => {
    const columns = Math.max(1, Math.ceil(h.instances.length / INSTANCE.perColumn));
    return Math.max(HOST.w, columns * INSTANCE.w + (columns - 1) * INSTANCE.gap);
  });
  const hostsWidth = hostWidths.reduce((sum, w) => sum + w, 0) + Math.max(0, m.hosts.length - 1) * HOST.gap;
  const VPN_W = HOST.w + 60;
  // room for the routing node in the middle and the VPN's node beside it (on either side, as much)
  const inner = Math.max(hostsWidth, HOST.w + 2 * (HOST.gap + VPN_W));
  const width = inner + 2 * MARGIN;
  const centre = MARGIN + inner / 2;
  let y = MARGIN;

  const publicBox = box(boxes, 'public', 'public', MARGIN, y, inner, BOX_H,
    ['public network', m.floating.length + ' floating IP' + (m.floating.length === 1 ? '' : 's') + ' of ' + m.project
      + (m.floating.length ? ': ' + m.floating.join(', ') : '')],
    m.floating.join(', '));
  y += BOX_H + ROW_GAP;
  if (!m.network) {
    return { width, height: y, boxes, links };
  }
  const routingBox = box(boxes, 'routing', 'node', centre - HOST.w / 2, y, HOST.w, BOX_H,
    ['routing node ' + m.routing.nodeId, m.routing.publicAddress || ''], 'NAT, gateway ' + m.network.gateway + ', DHCP and DNS');
  links.push(vertical('uplink', centre, publicBox.y + publicBox.h, routingBox.y));
  let vpnBox = null;
  if (m.vpn) {
    vpnBox = box(boxes, 'vpn', 'vpn', routingBox.x + routingBox.w + HOST.gap, y, VPN_W, BOX_H,
      ['VPN on ' + m.vpn.nodeId, m.vpn.endpoint + ' · ' + m.vpn.peers + ' peer' + (m.vpn.peers === 1 ? '' : 's')], null);
    links.push(vertical('uplink', vpnBox.x + vpnBox.w / 2, publicBox.y + publicBox.h, vpnBox.y));
  }
  y += BOX_H + ROW_GAP;
  const l2 = box(boxes, 'l2', 'l2', MARGIN, y, inner, BOX_H,
    ['VLAN ' + m.network.vlan + ' on ' + m.network.physicalNetwork + ' · ' + m.network.cidr, 'bridge ' + m.network.bridge], null);
  links.push(vertical('l2', centre, routingBox.y + routingBox.h, l2.y));
  if (vpnBox) {
    links.push(vertical('l2', vpnBox.x + vpnBox.w / 2, vpnBox.y + vpnBox.h, l2.y));
  }
  y += BOX_H + ROW_GAP;

  let x = MARGIN + (inner - hostsWidth) / 2;
  let bottom = y + HOST.h;
  m.hosts.forEach((h, index) => {
    const columnWidth = hostWidths[index];
    const hostBox = box(boxes, 'host:' + h.name, 'host', x + (columnWidth - HOST.w) / 2, y, HOST.w, HOST.h,
      [h.name, h.bridging ? 'bridging node' : 'compute host'], null);
    links.push(vertical('l2', hostBox.x + HOST.w / 2, l2.y + l2.h, hostBox.y));
    const top = y + HOST.h + ROW_GAP / 2;
    const columns = Math.max(1, Math.ceil(h.instances.length / INSTANCE.perColumn));
    const gridWidth = columns * INSTANCE.w + (columns - 1) * INSTANCE.gap;
    const gridLeft = x + (columnWidth - gridWidth) / 2;
    h.instances.forEach((i, n) => {
      const column = Math.floor(n / INSTANCE.perColumn);
      const row = n % INSTANCE.perColumn;
      const ix = gridLeft + column * (INSTANCE.w + INSTANCE.gap);
      const iy = top + row * (INSTANCE.h + INSTANCE.gap);
      const instanceBox = box(boxes, 'instance:' + h.name + '/' + i.name + '/' + i.address, 'instance', ix, iy, INSTANCE.w, INSTANCE.h,
        [i.name, i.address].concat(i.floating.length ? ['\u21c4 ' + i.floating.join(', ')] : []), null);
      instanceBox.host = h.name;
      instanceBox.down = i.down;
      // from the host down its columns' left edges, then into each box
      links.push({ kind: 'port', points: [[hostBox.x + HOST.w / 2, hostBox.y + HOST.h], [hostBox.x + HOST.w / 2, top - INSTANCE.gap / 2],
        [ix + INSTANCE.w / 2, top - INSTANCE.gap / 2], [ix + INSTANCE.w / 2, iy]] });
      bottom = Math.max(bottom, iy + INSTANCE.h);
    });
    x += columnWidth + HOST.gap;
  });
  return { width, height: bottom + MARGIN, boxes, links };
}

function box(boxes, id, kind, x, y, w, h, lines, title) {
  const placed = { id, kind, x, y, w, h, lines, title: title || lines.join(' · '), down: false };
  boxes.push(placed);
  return placed;
}

function vertical(kind, x, from, to) {
  return { kind, points: [[x, from], [x, to]] };
}

function cut(text, width) {
  const chars = Math.floor((width - 16) / CHAR_W);
  return text.length <= chars ? text : text.slice(0, chars - 1) + '\u2026';
}

/** The SVG of a layout: links under boxes, each box a rect with its lines of text and a tooltip. */
export function draw(placed) {
  return svg('svg', { class: 'topology', viewBox: '0 0 ' + placed.width + ' ' + placed.height, width: placed.width,
    height: placed.height, role: 'img', 'aria-label': 'topology' },
  placed.links.map((l) => svg('polyline', { class: 'link ' + l.kind, points: l.points.map((p) => p.join(',')).join(' ') })),
  placed.boxes.map((b) => svg('g', { class: 'box ' + b.kind + (b.down ? ' down' : ''), 'data-id': b.id },
    svg('title', {}, b.title),
    svg('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 6 }),
    b.lines.map((line, n) => svg('text', { x: b.x + 8, y: b.y + 18 + n * 17, class: n === 0 ? 'first' : '' }, cut(line, b.w))))));
}

export function render(data, name) {
  const placed = layout(model(data));
  return el('div', {},
    el('h1', {}, 'Topology of ', el('span', { class: 'name' }, name)),
    el('p', { class: 'links' }, link('project', 'projects', name), ' · ', link('request log', 'projects', name, 'requests')),
    el('div', { class: 'drawing' }, draw(placed)));
}

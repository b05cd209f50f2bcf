// Builds the page from data without ever parsing data as markup: text goes in as text nodes, attributes by name with
// setAttribute. Names of projects, instances and groups and the groups' descriptions are user input; nothing here
// hands them to innerHTML, and event handlers are attached with addEventListener, never as attributes.

const SVG = 'http://www.w3.org/2000/svg';

/** An HTML element with attributes and children (nodes, or anything else as its text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttributes(node, attrs);
  append(node, children);
  return node;
}

/** An SVG element, likewise. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  setAttributes(node, attrs);
  append(node, children);
  return node;
}

function setAttributes(node, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (/^on/i.test(name) || name === 'style') {
      throw new Error('refused attribute ' + name + ': handlers and inline styles have no place here (CSP)');
    }
    node.setAttribute(name, value === true ? '' : String(value));
  }
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces the children of a node. */
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** A link inside the console; the hash part is built from encoded names, so data cannot make it another scheme. */
export function link(text, ...path) {
  return el('a', { href: '#/' + path.map(encodeURIComponent).join('/') }, text);
}

/** A table: a header row, then a row per item (cells are nodes or text); an empty list says so. */
export function table(headers, rows, empty = 'none') {
  if (rows.length === 0) {
    return el('p', { class: 'empty' }, empty);
  }
  return el('table', {},
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((row) => el('tr', row.attrs || {}, (row.cells || row).map((cell) => el('td', {}, cell))))));
}

/** A usage bar: a meter and "used / size" (size -1: unlimited). */
export function usage(used, size) {
  if (size < 0) {
    return el('span', { class: 'usage' }, used + ' (no limit)');
  }
  const percent = size === 0 ? 0 : Math.round((100 * used) / size);
  return el('span', { class: 'usage' },
    el('meter', { min: 0, max: Math.max(size, 1), value: used, low: size * 0.7, high: size * 0.9, optimum: 0 }),
    ' ' + used + ' / ' + size + ' (' + percent + '%)');
}

/** A definition list of label/value pairs (null values shown as a dash). */
export function facts(pairs) {
  return el('dl', { class: 'facts' }, pairs.map(([label, value]) =>
    [el('dt', {}, label), el('dd', {}, value === null || value === undefined || value === '' ? '–' : value)]));
}

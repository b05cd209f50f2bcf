// Reads the controller's HTTP API (docs/api.md) from the console's own origin.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function get(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    // not JSON: the status says enough
  }
  if (!response.ok) {
    throw new ApiError(response.status, body && body.error ? body.error : response.status + ' ' + response.statusText);
  }
  return body;
}

/**
 * The items of every page of a list (field: its array), following next.href, up to max items: the console reads clouds
 * of a few thousand items at most, and says when it stopped short (truncated).
 */
export async function all(path, field, max = 5000) {
  const items = [];
  let next = path + (path.includes('?') ? '&' : '?') + 'limit=1000';
  while (next) {
    const page = await get(next);
    items.push(...page[field]);
    next = page.next ? page.next.href : null;
    if (next && items.length >= max) {
      return { items, truncated: true };
    }
  }
  return { items, truncated: false };
}

/** /v1/pools, every page: VLAN ranges and floating pools concatenated, the supernet from any page. */
export async function pools() {
  const pools = { vlanRanges: [], supernet: null, floatingPools: [] };
  let next = '/v1/pools?limit=1000';
  while (next) {
    const page = await get(next);
    pools.vlanRanges.push(...page.vlanRanges);
    pools.floatingPools.push(...page.floatingPools);
    pools.supernet = pools.supernet || page.supernet;
    next = page.next ? page.next.href : null;
  }
  return pools;
}

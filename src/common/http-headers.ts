/** Header carrying how many nodes a forwarded query already passed through (loop guard). */
export const HOPS_HEADER = 'x-canopy-hops';

/**
 * Set on a query forwarded by an upper node: the answer is the bare JSON
 * array of items, so the upper node can splice it into its own answer
 * without parsing and re-serialising it; delegates that did not answer are
 * listed (JSON) in MISSING_HEADER.
 */
export const RAW_HEADER = 'x-canopy-raw';
export const MISSING_HEADER = 'x-canopy-missing';

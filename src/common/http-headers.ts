/** Header carrying how many nodes a forwarded query already passed through (loop guard). */
export const HOPS_HEADER = 'x-canopy-hops';

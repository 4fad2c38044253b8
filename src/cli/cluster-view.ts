import type { ClusterView } from '../api/index.js';
import { ClusterQuery, clusterStatus } from '../controller/index.js';
import type { CoordStore } from '../coord/index.js';
import { globToRegExp } from '../sampler/index.js';

/** `/api/cluster` and `/api/find` of a controller-managed node, read from its store. */
export function clusterView(store: CoordStore, cluster: string): ClusterView {
  const query = new ClusterQuery({ store, cluster });
  return {
    status: () => clusterStatus(store, cluster),
    find: (glob) => {
      const re = globToRegExp(glob);
      return query.find((h) => re.test(h));
    },
    range: (selector, fromMs, toMs) => query.range(selector, fromMs, toMs),
  };
}

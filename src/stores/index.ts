export type { Store, StoredItem } from './store.js';
export { CsvStore, csvField, csvHeader, csvRow } from './csv-store.js';
export type { CsvStoreOptions } from './csv-store.js';
export { ArchiveStore } from './archive-store.js';
export type { ArchiveLike } from './archive-store.js';

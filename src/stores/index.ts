export type { Store, StoredItem } from './store.js';
export { CsvStore, csvField, csvHeader, csvRow } from './csv-store.js';
export type { CsvStoreOptions } from './csv-store.js';

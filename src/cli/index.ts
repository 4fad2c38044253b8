export { main } from './main.js';
export type { MainIo } from './main.js';
export { startLocalStack, sanitizeHost } from './local-stack.js';
export type { LocalStack, LocalStackOptions } from './local-stack.js';
export { CliError, EXIT } from './errors.js';
export { parseEndpoint, readSecretFile, byteSizeOption } from './args.js';

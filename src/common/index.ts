export { CanopyError, isRetryableError, toError } from './errors.js';
export { systemClock, ManualClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { createLogger, silentLogger } from './logger.js';
export type { Logger, LogLevel, LoggerOptions } from './logger.js';
export { listenOn } from './listen.js';

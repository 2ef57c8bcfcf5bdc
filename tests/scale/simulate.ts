/**
 * npm run simulate -- --scale S (see simulate-day.ts). The handlers' loggers are created when their
 * modules load, which static imports would do before any line here ran: set the level first, then load.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
await import('./simulate-day.ts');

import type { LogLevel, LogMetadata, Logger } from '@temporalio/worker';
import pino from 'pino';

/** Never logged, whatever an activity or the SDK passes along. */
export const workerRedactPaths = ['*.clientSecret', '*.privateKey', '*.secret', '*.password', 'clientSecret', 'privateKey'];

export function createWorkerLogger(level: pino.LevelWithSilent): pino.Logger {
  return pino({ name: 'worker', level, redact: { paths: workerRedactPaths, censor: '[redacted]' } });
}

/** Forwards SDK, workflow and activity logs into the process's pino logger. */
export class PinoRuntimeLogger implements Logger {
  constructor(private readonly pino: pino.Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const target = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
    this.pino[target[level]](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

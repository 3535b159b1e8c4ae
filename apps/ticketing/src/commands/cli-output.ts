import pino from 'pino';

/** CLI commands keep stdout for their result; the app's logs go to stderr. */
export const logsToStderr = () => pino.destination(2);

export const printJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

import pino from 'pino';

/** CLI commands keep stdout for their result; the app's logs go to stderr. */
export const logsToStderr = () => pino.destination(2);

export const printJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** Reports a failure on stderr and sets the exit code (the command's result, if any, is on stdout). */
export const fail = (message: string, code = 1): void => {
  process.stderr.write(`${message}\n`);
  process.exitCode = code;
};

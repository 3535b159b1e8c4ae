import { BatchingWorkerPool } from './batching-worker.pool';

const DOUBLING = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (inputs) => parentPort.postMessage(inputs.map((input) => ({ value: input * 2, where: 'worker' }))));
`;

type Out = Readonly<{ value: number; where: string }>;
const here = (input: number): Out => ({ value: input * 2, where: 'here' });

describe('BatchingWorkerPool', () => {
  it('answers every input, in order, from worker threads', async () => {
    const pool = new BatchingWorkerPool<number, Out>({ name: 'test', source: DOUBLING, threads: 2, here });
    try {
      const outputs = await Promise.all(Array.from({ length: 50 }, (_unused, index) => pool.run(index)));
      expect(outputs.map((output) => output.value)).toEqual(Array.from({ length: 50 }, (_unused, index) => index * 2));
      expect(outputs.every((output) => output.where === 'worker')).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('computes on the calling thread when a worker fails, and for everything after', async () => {
    const pool = new BatchingWorkerPool<number, Out>({ name: 'test', source: `throw new Error('broken worker');`, threads: 1, here });
    const outputs = await Promise.all([pool.run(1), pool.run(2)]);
    expect(outputs).toEqual([here(1), here(2)]);
    expect(await pool.run(3)).toEqual(here(3));
    await pool.close();
  });

  it('computes on the calling thread once closed', async () => {
    const pool = new BatchingWorkerPool<number, Out>({ name: 'test', source: DOUBLING, threads: 1, here });
    await pool.close();
    expect(await pool.run(4)).toEqual(here(4));
  });
});

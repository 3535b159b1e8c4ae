import type * as ContainerEngineModule from './container-engine';

const freshModule = (): typeof ContainerEngineModule => {
  let loaded!: typeof ContainerEngineModule;
  jest.isolateModules(() => {
    loaded = jest.requireActual<typeof ContainerEngineModule>('./container-engine');
  });
  return loaded;
};

describe('detectContainerEngine', () => {
  const saved = process.env['TICKETING_SKIP_CONTAINERS'];
  afterEach(() => {
    if (saved === undefined) delete process.env['TICKETING_SKIP_CONTAINERS'];
    else process.env['TICKETING_SKIP_CONTAINERS'] = saved;
  });

  it('answers "no" without asking when TICKETING_SKIP_CONTAINERS=1', () => {
    process.env['TICKETING_SKIP_CONTAINERS'] = '1';
    expect(freshModule().detectContainerEngine()).toEqual({ available: false, reason: 'TICKETING_SKIP_CONTAINERS=1' });
  });

  it('asks testcontainers once per test file and gives a host, or a reason', () => {
    delete process.env['TICKETING_SKIP_CONTAINERS'];
    const { detectContainerEngine } = freshModule();
    const first = detectContainerEngine();
    if (first.available) expect(first.host).toEqual(expect.any(String));
    else expect(first.reason.length).toBeGreaterThan(0);
    expect(detectContainerEngine()).toBe(first);
  });
});

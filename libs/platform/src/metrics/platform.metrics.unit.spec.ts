import { PlatformMetrics, type ConsumerStatusSource } from './platform.metrics';

describe('PlatformMetrics', () => {
  it('keeps its own registry, so two instances do not collide', async () => {
    const a = new PlatformMetrics();
    const b = new PlatformMetrics();
    a.eventsAppended('ticket-1', 1);
    expect(await b.render()).not.toContain('ticketing_events_appended_total{');
  });

  it('counts appended events by stream category', async () => {
    const metrics = new PlatformMetrics();
    metrics.eventsAppended('ticket-01a2', 2);
    metrics.eventsAppended('ticket-01a3', 1);
    metrics.eventsAppended('routing-01a2', 4);
    metrics.eventsAppended('sla', 1);
    metrics.eventsAppended('ticket-01a4', 0);
    const text = await metrics.render();
    expect(text).toContain('ticketing_events_appended_total{category="ticket"} 3');
    expect(text).toContain('ticketing_events_appended_total{category="routing"} 4');
    expect(text).toContain('ticketing_events_appended_total{category="sla"} 1');
  });

  it('reads consumer lag and dead letters from registered sources, once per scrape', async () => {
    const metrics = new PlatformMetrics();
    let lag = 7;
    const calls = { count: 0 };
    const source: ConsumerStatusSource = {
      status: async () => {
        calls.count += 1;
        return [
          { group: 'routing-projector', lag, parked: 0 },
          { group: 'sla-clock', lag: 0, parked: 2 },
        ];
      },
    };
    metrics.registerConsumerStatusSource(source);

    let text = await metrics.render();
    expect(text).toContain('ticketing_consumer_lag_events{group="routing-projector"} 7');
    expect(text).toContain('ticketing_dead_letters{group="sla-clock"} 2');
    expect(calls.count).toBe(1);

    lag = 0;
    text = await metrics.render();
    expect(text).toContain('ticketing_consumer_lag_events{group="routing-projector"} 0');
    expect(calls.count).toBe(2);
  });

  it('survives a failing source: the others still report', async () => {
    const metrics = new PlatformMetrics();
    const warn = jest.spyOn(metrics['logger'], 'warn').mockImplementation(() => undefined);
    metrics.registerConsumerStatusSource({ status: async () => Promise.reject(new Error('db locked')) });
    metrics.registerConsumerStatusSource({ status: async () => [{ group: 'audit', lag: 3, parked: 1 }] });
    const text = await metrics.render();
    expect(text).toContain('ticketing_consumer_lag_events{group="audit"} 3');
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('records HTTP latency by method, route pattern and status', async () => {
    const metrics = new PlatformMetrics();
    metrics.observeHttpRequest('GET', '/v1/tickets/:id', 200, 0.012);
    expect(await metrics.render()).toContain(
      'http_request_duration_seconds_bucket{le="0.025",method="GET",route="/v1/tickets/:id",status="200"} 1',
    );
  });
});

import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { PlatformMetrics } from '@ticketing/platform';

/** The deflection figures the gauges report, read from the read model on each scrape. */
export type DeflectionRates = Readonly<{ deflectionRate: number; clickThroughRate: number }>;

/** Prometheus metrics of the knowledge base, on the app's registry (`/metrics`). */
@Injectable()
export class KbMetrics {
  readonly suggestions: Counter<'language'>;
  readonly searchSeconds: Histogram;
  readonly indexedTranslations: Gauge;
  private rates: () => Promise<DeflectionRates> = async () => ({ deflectionRate: 0, clickThroughRate: 0 });

  constructor(platform: PlatformMetrics) {
    const registers = [platform.registry];
    this.suggestions = new Counter({ name: 'ticketing_kb_suggestions_total', help: 'Suggestion requests answered, by language', labelNames: ['language'], registers });
    this.searchSeconds = new Histogram({
      name: 'ticketing_kb_search_seconds',
      help: 'Time to search the in-memory article index',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers,
    });
    this.indexedTranslations = new Gauge({ name: 'ticketing_kb_indexed_translations', help: 'Published translations in the search index', registers });
    const rates = () => this.rates();
    new Gauge({
      name: 'ticketing_kb_deflection_rate',
      help: 'Sessions shown suggestions that an article solved without a ticket, as a share of all sessions shown suggestions',
      registers,
      async collect() {
        this.set((await rates()).deflectionRate);
      },
    });
    new Gauge({
      name: 'ticketing_kb_suggestion_click_through_rate',
      help: 'Sessions shown suggestions that opened one, as a share of all sessions shown suggestions',
      registers,
      async collect() {
        this.set((await rates()).clickThroughRate);
      },
    });
  }

  /** Where the deflection gauges read their figures on each scrape. */
  reportRatesFrom(source: () => Promise<DeflectionRates>): void {
    this.rates = source;
  }
}

import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '@ticketing/kernel';
import { EVENT_STORE, type EventStore } from '@ticketing/event-store';
import { BackgroundTasks, TICKETING_CONFIG, type TicketingConfig } from '@ticketing/platform';
import { anyArticleStream, loadStarterArticles, readStarterArticles, starterKbDir } from './starter-kb.loader';

/**
 * On the first start of the embedded default (SQLite or memory event store, no article stream yet),
 * loads the starter knowledge base of `data/kb` as published articles. A serving process only: CLI
 * commands boot the same module and never run it.
 */
@Injectable()
export class StarterKbTask implements OnModuleInit {
  private readonly logger = new Logger(StarterKbTask.name);

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TICKETING_CONFIG) private readonly config: TicketingConfig,
    private readonly tasks: BackgroundTasks,
  ) {}

  onModuleInit(): void {
    if (!this.config.kbStarter || this.config.eventStore.kind === 'kurrentdb') return;
    this.tasks.register({ name: 'kb-starter', run: () => this.loadOnce() });
  }

  async loadOnce(): Promise<void> {
    if (await anyArticleStream(this.eventStore)) return;
    const dir = starterKbDir();
    if (dir === undefined) return void this.logger.warn('No data/kb folder found: the knowledge base starts empty');
    const report = await loadStarterArticles(this.eventStore, this.clock, await readStarterArticles(dir));
    this.logger.log(`Starter knowledge base: ${report.loaded.length} articles published from ${dir}`);
  }
}

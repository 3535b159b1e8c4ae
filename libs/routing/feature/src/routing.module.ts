import { Module } from '@nestjs/common';
import { TicketOpenedConsumer } from './ticket-opened.consumer';

/** The routing context: places tickets in queues. It reads intake's events only from the bus. */
@Module({ controllers: [TicketOpenedConsumer] })
export class RoutingModule {}

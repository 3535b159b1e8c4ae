import 'reflect-metadata';
import { runService } from '@ticketing/runtime';
import { SLA_SERVICE } from './sla.service';

void runService(SLA_SERVICE);

import 'reflect-metadata';
import { runService } from '@ticketing/runtime';
import { ROUTING_SERVICE } from './routing.service';

void runService(ROUTING_SERVICE);

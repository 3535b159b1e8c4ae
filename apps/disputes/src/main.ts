import 'reflect-metadata';
import { runService } from '@ticketing/runtime';
import { DISPUTES_SERVICE } from './disputes.service';

void runService(DISPUTES_SERVICE);

import 'reflect-metadata';
import { runService } from '@ticketing/runtime';
import { AUDIT_SERVICE } from './audit.service';

void runService(AUDIT_SERVICE);

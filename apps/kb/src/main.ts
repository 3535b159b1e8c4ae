import 'reflect-metadata';
import { runService } from '@ticketing/runtime';
import { KB_SERVICE } from './kb.service';

void runService(KB_SERVICE);

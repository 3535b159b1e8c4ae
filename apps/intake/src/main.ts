import 'reflect-metadata';
import { runService } from '@ticketing/runtime';
import { INTAKE_SERVICE } from './intake.service';

void runService(INTAKE_SERVICE);

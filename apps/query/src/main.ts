import 'reflect-metadata';
import { loadConfig } from '@hangar/config';
import { runUntilSignalled, startService } from '@hangar/system';

runUntilSignalled('query', () => startService('query', loadConfig(process.env, 'distributed')));

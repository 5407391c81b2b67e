import 'reflect-metadata';
import { loadConfig } from '@hangar/config';
import { runUntilSignalled, startService } from '@hangar/system';

runUntilSignalled('repository', () => startService('repository', loadConfig(process.env, 'distributed')));

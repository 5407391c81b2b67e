import 'reflect-metadata';
import { loadConfig } from '@hangar/config';
import { runUntilSignalled, startService } from '@hangar/system';

runUntilSignalled('scanner', () => startService('scanner', loadConfig(process.env, 'distributed')));

import 'reflect-metadata';
import { loadConfig } from '@hangar/config';
import { runUntilSignalled, startService } from '@hangar/system';

runUntilSignalled('webhook-dispatcher', () => startService('webhook-dispatcher', loadConfig(process.env, 'distributed')));

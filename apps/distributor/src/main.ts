import 'reflect-metadata';
import { loadConfig } from '@hangar/config';
import { runUntilSignalled, startService } from '@hangar/system';

runUntilSignalled('distributor', () => startService('distributor', loadConfig(process.env, 'distributed')));

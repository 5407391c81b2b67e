import 'reflect-metadata';
import { loadConfig } from '@hangar/config';
import { runUntilSignalled, startService } from '@hangar/system';

runUntilSignalled('worker-agent', () => startService('worker-agent', loadConfig(process.env, 'distributed')));

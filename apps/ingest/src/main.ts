import 'reflect-metadata';
import { loadConfig } from '@hangar/config';
import { runUntilSignalled, startService } from '@hangar/system';

runUntilSignalled('ingest', () => startService('ingest', loadConfig(process.env, 'distributed')));

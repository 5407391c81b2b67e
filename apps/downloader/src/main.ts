import 'reflect-metadata';
import { loadConfig } from '@hangar/config';
import { runUntilSignalled, startService } from '@hangar/system';

runUntilSignalled('downloader', () => startService('downloader', loadConfig(process.env, 'distributed')));

import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@hangar/config';
import { runUntilSignalled, startEmbeddedHangar } from '@hangar/system';

runUntilSignalled('hangar', async () => {
  const config = loadConfig(process.env, 'embedded');
  const hangar = await startEmbeddedHangar(config);
  new Logger('hangar').log(`Hangar is up on ${hangar.url} (data in ${config.dataDir})`);
  return hangar;
});

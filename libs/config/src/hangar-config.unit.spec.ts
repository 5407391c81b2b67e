import { ConfigError, loadConfig } from './hangar-config';

describe('loadConfig: the webhook dispatcher lease', () => {
  it('lasts 15 s by default, in seconds from HANGAR_WEBHOOK_LEASE_SECONDS, and never 0 (a lease nobody could hold)', () => {
    expect(loadConfig({}, 'distributed').webhookLeaseTtlMs).toBe(15_000);
    expect(loadConfig({ HANGAR_WEBHOOK_LEASE_SECONDS: '2.5' }, 'distributed').webhookLeaseTtlMs).toBe(2500);
    expect(() => loadConfig({ HANGAR_WEBHOOK_LEASE_SECONDS: '0' }, 'distributed')).toThrow(ConfigError);
  });
});

import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebhookSecretVault } from './webhook-secret-vault';

describe('WebhookSecretVault', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hangar-vault-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('seals and opens a secret, and a vault with another key cannot open it', () => {
    const vault = WebhookSecretVault.fromConfig({ secretKey: 'one', dataDir: dir });
    const secret = vault.newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const sealed = vault.seal(secret);
    expect(sealed).not.toContain(secret.slice(6));
    expect(vault.open(sealed)).toBe(secret);
    expect(() => WebhookSecretVault.fromConfig({ secretKey: 'two', dataDir: dir }).open(sealed)).toThrow(/HANGAR_SECRET_KEY/);
  });

  it('gives processes that start together on one data dir the same generated key', async () => {
    const root = join(__dirname, '..', '..', '..', '..');
    execFileSync(process.execPath, [join(root, 'scripts', 'build.cjs')], { cwd: root });
    // Three rounds of twelve processes, each round on a fresh data dir: the window between "no key yet" and "key
    // written" is short, so one round alone does not always hit it.
    for (const round of [1, 2, 3]) {
      const dataDir = join(dir, `data-${round}`);
      // They all wait for the same instant, so the race is real rather than staggered by Node's start-up.
      const startAt = Date.now() + 2000;
      const program = `
        while (Date.now() < ${startAt}) {}
        const { WebhookSecretVault } = require(${JSON.stringify(join(root, 'dist/libs/application/src'))});
        process.stdout.write(WebhookSecretVault.fromConfig({ secretKey: null, dataDir: ${JSON.stringify(dataDir)} }).seal('whsec_same'));`;
      const sealed = await Promise.all(
        Array.from({ length: 12 }, () => new Promise<string>((resolve, reject) => execFile(process.execPath, ['-e', program], (error, stdout) => (error ? reject(error) : resolve(stdout))))),
      );
      const vault = WebhookSecretVault.fromConfig({ secretKey: null, dataDir });
      for (const s of sealed) expect(vault.open(s)).toBe('whsec_same');
      expect(readdirSync(dataDir)).toEqual(['secret.key']);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, oauthRestBase } from '../../app/config.js';

describe('configuration', () => {
  it('defaults to the sandbox when no portal is configured', () => {
    const c = loadConfig({});
    expect(c.sandbox).toBe(true);
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.oauthTokenUrl).toBe('https://oauth.bitrix.info/oauth/token/');
  });

  it('uses a real portal when client credentials are set', () => {
    const c = loadConfig({ B24_CLIENT_ID: 'app.1', B24_CLIENT_SECRET: 's', PUBLIC_URL: 'https://du.example.org/', PORT: '8080' });
    expect(c.sandbox).toBe(false);
    expect(c.publicUrl).toBe('https://du.example.org');
  });

  it('stops the boot with a message naming the bad value', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadConfig({ B24_CLIENT_ID: 'only-id' })).toThrow(/B24_CLIENT_SECRET/);
    expect(() => loadConfig({ B24_WEBHOOK_URL: 'ftp://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ CODE_SUFFIX: 'Dev!' })).toThrow(/CODE_SUFFIX/);
    expect(() => loadConfig({ SANDBOX: 'off' })).toThrow(/SANDBOX/);
  });

  it('derives the trusted OAuth REST base from the token URL', () => {
    expect(oauthRestBase('https://oauth.bitrix.info/oauth/token/')).toBe('https://oauth.bitrix.info/rest/');
  });
});

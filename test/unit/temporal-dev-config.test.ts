import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseCliVersion } from '../../scripts/install-temporal';
import { defaultDevConfigPath, DevConfigError, loadDevConfig, parseDevConfig, startDevArgs } from '../../scripts/temporal-dev-config';
import { onboardingSearchAttributeKeys } from '../../workflows/frame/search-attributes';

const text = readFileSync(defaultDevConfigPath, 'utf8');

function withChange(change: (doc: Record<string, Record<string, unknown>>) => void): string {
  const doc = parse(text);
  change(doc);
  return JSON.stringify(doc);
}

describe('temporal-dev.yaml', () => {
  it('pins CLI 1.5.1 and declares every search attribute the workflows push, with the type they push', () => {
    const config = loadDevConfig();
    expect(config.cli.version).toBe('1.5.1');
    const yamlType = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', DATETIME: 'Datetime' } as Record<string, string>;
    const declared = Object.entries(config.searchAttributes);
    expect(declared.sort()).toEqual(onboardingSearchAttributeKeys.map((k) => [k.name, yamlType[k.type]]).sort());
    expect(config.searchAttributes).toMatchObject({ AwaitingRole: 'KeywordList', WaitingSince: 'Datetime' });
  });

  it('rejects an unknown key, naming it', () => {
    const bad = withChange((doc) => {
      doc.server!.uiPrt = 8233;
    });
    expect(() => parseDevConfig(bad)).toThrow(DevConfigError);
    expect(() => parseDevConfig(bad)).toThrow(/server\.uiPrt/);
  });

  it('rejects a value of the wrong type, naming the key', () => {
    const bad = withChange((doc) => {
      doc.server!.port = 'seven';
    });
    expect(() => parseDevConfig(bad)).toThrow(/server\.port: .*number/);
  });

  it('rejects an unknown search attribute type, naming the attribute', () => {
    const bad = withChange((doc) => {
      doc.searchAttributes!.OnboardingStep = 'Varchar';
    });
    expect(() => parseDevConfig(bad)).toThrow(/searchAttributes\.OnboardingStep/);
  });

  it('rejects a codec endpoint with a trailing slash', () => {
    const bad = withChange((doc) => {
      doc.ui!.codecEndpoint = 'http://127.0.0.1:3000/codec/';
    });
    expect(() => parseDevConfig(bad)).toThrow(/ui\.codecEndpoint/);
  });

  it('turns the settings into start-dev flags', () => {
    const config = parseDevConfig(
      withChange((doc) => {
        doc.ui!.codecEndpoint = 'http://127.0.0.1:3000/codec';
      }),
    );
    const args = startDevArgs(config);
    const flag = (name: string) => args.filter((_, i) => args[i - 1] === name);
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(flag('--port')).toEqual(['7233']);
    expect(flag('--ui-port')).toEqual(['8233']);
    expect(flag('--metrics-port')).toEqual(['7235']);
    expect(flag('--namespace')).toEqual(['default']);
    expect(flag('--db-filename')[0]).toMatch(/\.data\/temporal\/dev\.sqlite$/);
    expect(flag('--search-attribute')).toContain('OnboardingStep=Keyword');
    expect(flag('--dynamic-config-value')).toContain('frontend.enableUpdateWorkflowExecution=true');
    expect(flag('--ui-codec-endpoint')).toEqual(['http://127.0.0.1:3000/codec']);
  });

  it('runs headless and in memory when the tests ask', () => {
    const args = startDevArgs(loadDevConfig(), { headless: true, dbFile: null, port: 1234 });
    expect(args).toContain('--headless');
    expect(args).not.toContain('--ui-port');
    expect(args).not.toContain('--db-filename');
    expect(args[args.indexOf('--port') + 1]).toBe('1234');
  });
});

describe('parseCliVersion', () => {
  it('reads the version of a release-built CLI and of a dev build', () => {
    expect(parseCliVersion('temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)\n')).toBe('1.5.1');
    expect(parseCliVersion('temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)')).toBe('0.0.0');
    expect(parseCliVersion('command not found')).toBeNull();
  });
});

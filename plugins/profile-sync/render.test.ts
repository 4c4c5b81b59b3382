import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENTS_MD } from './default-agents-md.ts';
import { DEFAULT_MODEL_MAP, mapModel, mergeConfig, openclawFragment, skillMarkdown } from './render.ts';

describe('skill front matter', () => {
  it('prepends name and a quoted description when absent', () => {
    const { content, name } = skillMarkdown({ _id: 's', name: 'Git hygiene', slug: 'git-hygiene', description: 'Rules: "small" commits', contentMarkdown: '# Git\n\nBe tidy.' });
    expect(name).toBe('git-hygiene');
    expect(content).toBe('---\nname: git-hygiene\ndescription: "Rules: \\"small\\" commits"\n---\n# Git\n\nBe tidy.\n');
  });

  it('keeps existing keys and adds only the missing one', () => {
    const { content, name } = skillMarkdown({ _id: 's', name: 'X', slug: 'x', contentMarkdown: '---\nname: custom\n---\nbody\n' });
    expect(name).toBe('custom');
    expect(content).toBe('---\ndescription: "X"\nname: custom\n---\nbody\n');
  });

  it('truncates long descriptions to 200 characters', () => {
    const { content } = skillMarkdown({ _id: 's', name: 'X', slug: 'x', description: 'a'.repeat(500), contentMarkdown: 'b' });
    expect(content).toContain(`description: "${'a'.repeat(200)}"\n`);
  });
});

describe('openclaw.json', () => {
  it('maps known models and omits unknown ones', () => {
    expect(mapModel('kimi-k2.5', DEFAULT_MODEL_MAP)).toBe('moonshotai/kimi-k2.5');
    expect(mapModel('gpt-5-nano', DEFAULT_MODEL_MAP)).toBe('openai/gpt-5-nano');
    expect(mapModel('mystery', DEFAULT_MODEL_MAP)).toBeUndefined();
    expect(mapModel('toString', DEFAULT_MODEL_MAP)).toBeUndefined();
  });

  it('builds agents.entries with explicit ownership and skills only when present', () => {
    const bare = openclawFragment([{ slug: 'b', name: 'B', skills: [] }], '/gw/agents/');
    expect(bare).toEqual({ agents: { ownership: 'explicit', defaults: { skipBootstrap: true }, entries: { b: { name: 'B', workspace: '/gw/agents/b' } } } });
    const full = openclawFragment(
      [
        { slug: 'z', name: 'Z', model: 'openai/gpt-5-nano', skills: ['s1', 's2'] },
        { slug: 'a', name: 'A', skills: ['s1'] },
      ],
      '/gw',
    );
    expect(Object.keys((full.agents as { entries: object }).entries)).toEqual(['a', 'z']);
    expect(full.skills).toEqual({
      load: { extraDirs: ['/gw/a/skills', '/gw/z/skills'] },
      entries: { s1: { enabled: true }, s2: { enabled: true } },
    });
  });

  it('replaces agents and skills but keeps the operator\'s other keys', () => {
    const out = JSON.parse(mergeConfig({ gateway: { port: 1 }, agents: { list: [] }, skills: { x: 1 } }, { agents: { entries: {} } }));
    expect(out).toEqual({ gateway: { port: 1 }, agents: { entries: {} } });
  });
});

describe('default AGENTS.md', () => {
  it('is short and carries the tool list', () => {
    expect(DEFAULT_AGENTS_MD.split('\n').length).toBeLessThan(80);
    expect(DEFAULT_AGENTS_MD).toContain('## Tools');
    expect(DEFAULT_AGENTS_MD).toContain('task_status');
  });
});

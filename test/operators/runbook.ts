// Reads the runbook out of README.md: every ```sh command and ```http request between the
// runbook markers, with the `### ` situation it belongs to, so a test can run them all.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface RunbookCommand {
  situation: string;
  kind: 'sh' | 'http';
  /** One shell command (continuation lines joined), or "METHOD /path body". */
  text: string;
}

export const README_PATH = path.resolve(__dirname, '..', '..', 'README.md');

export function runbookCommands(readme = readFileSync(README_PATH, 'utf8')): RunbookCommand[] {
  const start = readme.indexOf('<!-- runbook:start -->');
  const end = readme.indexOf('<!-- runbook:end -->');
  if (start < 0 || end < start) throw new Error('README.md has no runbook:start/runbook:end markers');
  const commands: RunbookCommand[] = [];
  let situation = '';
  let block: RunbookCommand['kind'] | 'other' | undefined;
  let pending = '';
  for (const line of readme.slice(start, end).split('\n')) {
    if (block === undefined) {
      if (line.startsWith('### ')) situation = line.slice(4).trim();
      const fence = /^```(\w*)\s*$/.exec(line);
      if (fence) block = fence[1] === 'sh' || fence[1] === 'http' ? fence[1] : 'other';
      continue;
    }
    if (line.startsWith('```')) {
      block = undefined;
      continue;
    }
    if (block === 'other') continue;
    const text = line.trim();
    if (!text || text.startsWith('#')) continue;
    if (text.endsWith('\\')) {
      pending += `${text.slice(0, -1).trim()} `;
      continue;
    }
    commands.push({ situation, kind: block, text: pending + text });
    pending = '';
  }
  return commands;
}

/** `<name>` placeholders filled in; an unknown one is an error, so a new placeholder is noticed. */
export function fill(text: string, values: Record<string, string>): string {
  return text.replace(/<([a-z-]+)>/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for placeholder ${whole} in: ${text}`);
    return value;
  });
}

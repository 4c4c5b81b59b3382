/**
 * File writes for profile sync. Every write is atomic (temp file in the same
 * directory, fsync, rename) so the gateway's config watcher and prompt builder
 * never read a half-written file, and happens only when the bytes differ so
 * unchanged syncs do not touch mtimes (which would trigger gateway reloads).
 */
import { nodeCrypto } from '../../core/lazy-crypto.ts';
import { mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes `content` to `file` atomically unless the file already holds exactly these bytes. Returns true when written. */
export async function writeIfChanged(file: string, content: string): Promise<boolean> {
  const next = Buffer.from(content, 'utf8');
  const current = await readIfExists(file);
  if (current && current.equals(next)) return false;
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${nodeCrypto().randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(next);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  return true;
}

/** Creates `file` with `content` only if nothing is there: these files belong to the agent after creation. */
export async function createIfMissing(file: string, content: string): Promise<boolean> {
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await writeFile(file, content, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

export { readIfExists };

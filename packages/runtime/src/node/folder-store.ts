import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileLookup, ModelFileStore } from '../model-files.js';

/** A model folder on disk; hands out absolute paths. */
export class FolderStore implements ModelFileStore<string> {
  readonly description: string;
  readonly offline = true;
  private readonly folder: string;

  constructor(folder: string) {
    this.folder = folder;
    this.description = `the folder ${folder}`;
  }

  async lookup(file: string): Promise<FileLookup<string>> {
    const path = join(this.folder, ...file.split('/'));
    try {
      return (await stat(path)).isFile() ? path : 'missing';
    } catch {
      return 'missing';
    }
  }

  async fetch(): Promise<string | undefined> {
    return undefined;
  }
}

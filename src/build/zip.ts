/**
 * The Lambda zip: every file of a folder with its own date and mode 0644 (Lambda needs the files
 * world-readable), in sorted order, so the same inputs give the same bytes. The date goes in twice:
 * the DOS field every unzip reads (local time, two-second steps, written as UTC) and the extended
 * timestamp field (0x5455, UTC seconds) that Info-ZIP and Python's tools can read exactly.
 * @module
 */

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { listFiles } from './stage.ts';

const UNIX = 3;
const READABLE_FILE = (0o100644 << 16) >>> 0;
const EXTENDED_TIMESTAMP = 0x5455;
/** DOS dates start in 1980: an older file is recorded as of then. */
const DOS_EPOCH = Date.UTC(1980, 0, 1, 0, 0, 2);

/** Zips `dir` into `out`; gives the zip's size and the files' total size. */
export function zipFolder(dir: string, out: string): { zipped: number; unzipped: number; files: number } {
  const files = listFiles(dir);
  const entries: Zippable = {};
  let unzipped = 0;
  const zone = process.env.TZ;
  // fflate writes the DOS date in local time: in UTC the same inputs give the same zip on any machine.
  process.env.TZ = 'UTC';
  try {
    for (const file of files) {
      const host = path.join(dir, file);
      const data = readFileSync(host);
      unzipped += data.length;
      const mtime = Math.max(statSync(host).mtimeMs, DOS_EPOCH);
      entries[file] = [data, { mtime, os: UNIX, attrs: READABLE_FILE, extra: { [EXTENDED_TIMESTAMP]: extendedTimestamp(mtime) } }];
    }
    writeFileSync(out, zipSync(entries, { level: 6 }));
  } finally {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
  return { zipped: statSync(out).size, unzipped, files: files.length };
}

/** The 0x5455 field's data: flags (modification time present), then the time in UTC seconds. */
function extendedTimestamp(mtimeMs: number): Uint8Array {
  const field = new Uint8Array(5);
  field[0] = 1;
  new DataView(field.buffer).setUint32(1, Math.floor(mtimeMs / 1000), true);
  return field;
}

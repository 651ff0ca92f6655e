// tar-fs ships no types; only the part the build context uses is declared.
declare module "tar-fs" {
  import type { Readable } from "node:stream";

  export interface TarHeader {
    name: string;
    mode?: number;
    size?: number;
    mtime?: Date;
  }

  export interface Pack extends Readable {
    entry(header: TarHeader, content?: string | Buffer): unknown;
    finalize(): void;
  }

  export interface PackOptions {
    /** Paths relative to cwd, packed in this order (directories are walked unless `ignore` says no). */
    entries?: string[];
    ignore?: (name: string) => boolean;
    /** false: the caller adds more entries in `finish` and finalizes itself. */
    finalize?: boolean;
    finish?: (pack: Pack) => void;
  }

  export function pack(cwd: string, opts?: PackOptions): Pack;
}

/** Types of dist-freshness.mjs (plain JavaScript so the build runs on any Node). */
export declare const ROOT: string;
export declare const DIST: string;
export declare const BUILD_INFO: string;
export declare function sourceStamp(root?: string): string;
export declare function buildInfoPath(root?: string): string;
export declare function writeBuildInfo(sources: string, extra?: Record<string, unknown>, root?: string): void;
export declare function distIsFresh(root?: string): boolean;

/** Types of bin/cli-build.mjs, for the TypeScript that imports it (bench, tests). */
export declare const OUT_DIR: string;
export declare function currentBuild(root: string): string | undefined;
export declare function buildCli(root: string): Promise<string>;

/** Set by the bundler from package.json; "dev" when run from sources (tests). */
export const BERTH_VERSION: string = process.env.BERTH_VERSION ?? "0.1.0";

/** The guard contract: what a guard reports and the shape every guard function has. */

/** One broken rule, located as precisely as the guard can (a file, and a line when it has one). */
export type Violation = {
  /** The guard's name, e.g. `secret-names`. */
  readonly guard: string;
  /** Repo-relative path with `/` separators. */
  readonly file: string;
  /** 1-based line, when the rule is broken at one place in the file. */
  readonly line?: number;
  readonly message: string;
};

/**
 * A guard checks one rule across the repo. `files` is the repo-relative file list (see `listRepoFiles`);
 * guards read only what they need from `root`.
 */
export type Guard = (root: string, files: readonly string[]) => Promise<Violation[]> | Violation[];

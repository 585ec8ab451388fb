/**
 * Per-user cache directory for trainlab, located by the XDG Base Directory
 * Specification (https://specifications.freedesktop.org/basedir-spec/latest/):
 * `$XDG_CACHE_HOME/trainlab`, or `~/.cache/trainlab` when the variable is
 * unset, empty or relative.
 */
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

/**
 * Returns the trainlab cache directory without creating it.
 *
 * A relative XDG_CACHE_HOME is ignored because the specification calls such a
 * value invalid, and resolving it against the working directory would scatter
 * caches across projects.
 */
export function userCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  homeDir: string = homedir(),
): string {
  const xdgCacheHome = env.XDG_CACHE_HOME;
  if (xdgCacheHome !== undefined && xdgCacheHome !== "" && isAbsolute(xdgCacheHome)) {
    return join(xdgCacheHome, "trainlab");
  }
  return join(homeDir, ".cache", "trainlab");
}

/**
 * Where the shared public data sets live (`../shared/data` beside the repository, or
 * `ACQSYNTH_SHARED_DATA`), and a helper that returns a file's path or prints why a test skips.
 */

export const SHARED_DATA: string = Deno.env.get("ACQSYNTH_SHARED_DATA") ??
  new URL("../../shared/data/", import.meta.url).pathname;

/** The path of a shared file, or undefined (with a message) when it is absent. */
export async function sharedFile(relative: string): Promise<string | undefined> {
  const path = `${SHARED_DATA.replace(/\/$/, "")}/${relative}`;
  try {
    await Deno.stat(path);
    return path;
  } catch {
    console.warn(
      `skipping tests that need ${path}: not found (set ACQSYNTH_SHARED_DATA to the shared data folder)`,
    );
    return undefined;
  }
}

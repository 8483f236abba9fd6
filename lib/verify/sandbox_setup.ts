/**
 * Finding what the sandbox needs on this machine (bubblewrap, a Python interpreter and a Deno
 * binary that an unprivileged sandbox user can run) and the bubblewrap command line of one run.
 *
 * @module
 */

/** Languages the sandbox runs. */
export type SandboxLanguage = "python" | "typescript";

/** What the probe found. */
export interface SandboxSetup {
  /**
   * Every run is isolated by bubblewrap: its own user (65534 inside, an unprivileged uid
   * outside), PID, network, IPC and UTS namespaces, a read-only view of only the interpreter and
   * size-capped private folders. False where bubblewrap does not work here: see `reason`.
   */
  readonly isolated: boolean;
  /** Why isolation is weaker, where it is. */
  readonly reason?: string;
  /** The bubblewrap binary, or null. */
  readonly bwrap: string | null;
  /**
   * Runs cannot make user namespaces of their own (`--disable-userns`, bubblewrap 0.8 and
   * later), which keeps the kernel's user-namespace code out of a candidate's reach.
   */
  readonly noNestedUserns: boolean;
  /** The Python interpreter the sandbox runs (and the trusted judge uses), or null. */
  readonly python: string | null;
  /** The Deno binary the sandbox runs (a world-readable copy where the original is not). */
  readonly deno: string;
  /** The real Deno binary of this process, which runs nothing untrusted. */
  readonly hostDeno: string;
}

/** Where the run's folder and private temp folder are inside the sandbox. */
export const SANDBOX_HOME = "/sandbox";

/** Limits of one run, in bytes and seconds. */
export interface RunLimits {
  readonly memoryBytes: number;
  readonly cpuSeconds: number;
  /** Size of the run folder and of the private /tmp (each a tmpfs). */
  readonly diskBytes: number;
  /** Processes and threads of the run's uid. */
  readonly processes: number;
}

async function ok(cmd: string, args: string[], uid?: number): Promise<boolean> {
  try {
    const r = await new Deno.Command(cmd, {
      args,
      stdout: "null",
      stderr: "null",
      stdin: "null",
      // An unprivileged uid may not be able to enter our working folder (a 0700 temporary
      // checkout), and bubblewrap refuses to start where it cannot read its own cwd.
      ...(uid !== undefined ? { uid, gid: uid, cwd: "/" } : {}),
    }).output();
    return r.success;
  } catch {
    return false;
  }
}

async function text(cmd: string, args: string[]): Promise<string | null> {
  try {
    const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
    const s = new TextDecoder().decode(r.stdout).trim();
    return r.success && s ? s : null;
  } catch {
    return null;
  }
}

/** Read-only binds of the shared libraries and the top-level links to them (`/lib -> usr/lib`). */
async function libraryBinds(): Promise<string[]> {
  const out: string[] = [];
  for (const dir of ["/usr/lib", "/usr/lib64", "/usr/lib32"]) {
    if (await Deno.stat(dir).then((s) => s.isDirectory, () => false)) {
      out.push("--ro-bind", dir, dir);
    }
  }
  for (const top of ["/lib", "/lib64", "/lib32"]) {
    const link = await Deno.readLink(top).catch(() => null);
    if (link) out.push("--symlink", link, top);
    else if (await Deno.stat(top).then((s) => s.isDirectory, () => false)) {
      out.push("--ro-bind", top, top);
    }
  }
  if (await Deno.stat("/etc/ld.so.cache").then(() => true, () => false)) {
    out.push("--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache");
  }
  return out;
}

/**
 * The bubblewrap arguments of one run: new namespaces of every kind, uid 65534 inside, a root
 * holding only read-only libraries and `extraBinds`, a fresh /proc and /dev, and size-capped
 * tmpfs folders for the run (`/sandbox`, its working folder), `/tmp` and `/dev/shm`. The process
 * dies with bubblewrap, and all of the run's processes with the end of its PID namespace.
 *
 * `zygote`: the same view for the trusted zygote (harness_zygote.py), which runs as root of its
 * user namespace with every capability there (still an unprivileged uid outside), so that it can
 * give each candidate it forks namespaces of its own; it runs no candidate code itself.
 */
export async function bwrapArgs(
  extraBinds: readonly string[],
  limits: RunLimits,
  noNestedUserns = false,
  zygote = false,
): Promise<string[]> {
  const disk = String(limits.diskBytes);
  return [
    "--unshare-all",
    "--unshare-user",
    ...(noNestedUserns && !zygote ? ["--disable-userns"] : []),
    ...(zygote
      ? ["--uid", "0", "--gid", "0", "--cap-add", "ALL"]
      : ["--uid", "65534", "--gid", "65534"]),
    "--hostname",
    "sandbox",
    "--die-with-parent",
    "--new-session",
    ...await libraryBinds(),
    ...extraBinds,
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--size",
    "1048576",
    "--tmpfs",
    "/dev/shm",
    "--size",
    disk,
    "--tmpfs",
    "/tmp",
    "--size",
    disk,
    "--tmpfs",
    SANDBOX_HOME,
    "--chdir",
    SANDBOX_HOME,
    "--remount-ro",
    "/",
  ];
}

/** The `--help` text of bubblewrap (its options tell its version's features). */
async function helpOf(bwrap: string): Promise<string> {
  try {
    const r = await new Deno.Command(bwrap, { args: ["--help"], stdout: "piped", stderr: "piped" })
      .output();
    return new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  } catch {
    return "";
  }
}

/** Installs bubblewrap with apt-get when this process is root and it is missing. */
async function installBwrap(): Promise<string | null> {
  if (Deno.uid() !== 0 || !await ok("apt-get", ["--version"])) return null;
  console.error("sandbox: bubblewrap is missing; installing it with apt-get (once)");
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  // Package lists may be empty on a fresh machine: update them once if the first try fails.
  for (const update of [false, true]) {
    try {
      if (update) {
        await new Deno.Command("apt-get", {
          args: ["update", "-qq"],
          env,
          stdout: "null",
          stderr: "null",
        })
          .output();
      }
      const r = await new Deno.Command("apt-get", {
        args: ["install", "-y", "-qq", "bubblewrap"],
        env,
        stdout: "null",
        stderr: "null",
      }).output();
      if (r.success) break;
    } catch { /* reported by the caller as missing */ }
  }
  return await text("sh", ["-c", "command -v bwrap"]);
}

/** A uid for a run, chosen at random from a large range so runs of any process rarely share. */
export function runUid(): number {
  return 200000 + Math.floor(Math.random() * 50_000_000);
}

/**
 * A world-readable copy of the Deno binary, where the sandbox user cannot read the original
 * (an npx cache under /root): made once per binary, in the system temp folder, owned by this user.
 */
async function readableDeno(
  deno: string,
  bwrap: string,
  limits: RunLimits,
  noNestedUserns: boolean,
): Promise<string> {
  const works = async (path: string) =>
    await ok(bwrap, [
      ...await bwrapArgs(["--ro-bind", path, "/opt/deno/deno"], limits, noNestedUserns),
      "/opt/deno/deno",
      "--version",
    ], Deno.uid() === 0 ? runUid() : undefined);
  if (await works(deno)) return deno;
  const info = await Deno.stat(deno);
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  const dir = `${tmp}/acqsynth_deno_${info.size}_${info.mtime?.getTime() ?? 0}`;
  const copy = `${dir}/deno`;
  const mine = await Deno.stat(dir).then(
    (s) => s.uid === Deno.uid() && ((s.mode ?? 0) & 0o022) === 0,
    () => false,
  );
  if (!mine) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.mkdir(dir, { mode: 0o755 });
    await Deno.chmod(dir, 0o755);
    const part = `${copy}.${crypto.randomUUID()}`;
    await Deno.copyFile(deno, part);
    await Deno.chmod(part, 0o555);
    await Deno.rename(part, copy);
  }
  if (!await works(copy)) throw new Error(`bubblewrap cannot run ${copy}`);
  return copy;
}

/** Options of {@link probeSandbox}. */
export interface ProbeOptions {
  /** The Python interpreter; the system `python3` (else the one on PATH) by default. */
  readonly python?: string;
  /** The Deno binary for TypeScript. @default Deno.execPath() */
  readonly deno?: string;
}

/**
 * Probes bubblewrap, Python and Deno. Where bubblewrap is missing it is installed (root with
 * apt-get only); where it still does not run, `isolated` is false and `reason` says why.
 *
 * @example Probing this machine
 * ```ts
 * import assert from "node:assert/strict";
 * import { probeSandbox } from "./sandbox_setup.ts";
 * const setup = await probeSandbox();
 * assert.equal(typeof setup.isolated, "boolean");
 * assert.ok(setup.isolated || setup.reason);
 * ```
 */
export async function probeSandbox(options: ProbeOptions = {}): Promise<SandboxSetup> {
  const hostDeno = options.deno ?? Deno.execPath();
  const limits: RunLimits = {
    memoryBytes: 1 << 30,
    cpuSeconds: 10,
    diskBytes: 1 << 20,
    processes: 64,
  };
  const pythons = options.python ? [options.python] : [
    ...new Set(
      ["/usr/bin/python3", await text("python3", ["-c", "import sys; print(sys.executable)"])]
        .filter((p): p is string => !!p),
    ),
  ];
  let bwrap = await text("sh", ["-c", "command -v bwrap"]);
  bwrap ??= await installBwrap();
  const uid = Deno.uid() === 0 ? runUid() : undefined;
  const noNestedUserns = !!bwrap && /--disable-userns/.test(await helpOf(bwrap));
  let reason: string | undefined;
  let python: string | null = null;
  if (bwrap) {
    for (const p of pythons) {
      const real = await Deno.realPath(p).catch(() => p);
      const args = await bwrapArgs(["--ro-bind", real, real], limits, noNestedUserns);
      if (await ok(bwrap, [...args, real, "-I", "-S", "-c", "pass"], uid)) {
        python = real;
        break;
      }
    }
    if (!python) {
      reason = pythons.length
        ? `bubblewrap (${bwrap}) could not run ${pythons.join(" or ")} as an unprivileged user`
        : "no Python interpreter found";
    }
  } else reason = "bubblewrap (bwrap) is not installed and could not be installed";
  if (!python) {
    for (const p of pythons) if (await ok(p, ["-I", "-S", "-c", "pass"])) python = p;
  }
  let deno = hostDeno, tsIsolated = false;
  if (bwrap) {
    try {
      deno = await readableDeno(hostDeno, bwrap, limits, noNestedUserns);
      tsIsolated = true;
    } catch (e) {
      reason ??= `bubblewrap could not run Deno: ${(e as Error).message}`;
    }
  }
  const isolated = !!bwrap && !reason && tsIsolated;
  return {
    isolated,
    ...(isolated ? {} : { reason }),
    bwrap,
    noNestedUserns,
    python,
    deno,
    hostDeno,
  };
}

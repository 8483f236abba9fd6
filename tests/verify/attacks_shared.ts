/**
 * Shared checks of the attack suites: processes of a run left behind (by the tag every run
 * carries in its environment, or a marker in a command line), host folders that must not change,
 * and host listeners (TCP and unix socket) that must see no connection.
 */

/** Processes whose command line or environment contains `needle` (this process excluded). */
export async function processesWith(needle: string): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name) || Number(e.name) === Deno.pid) continue;
    for (const part of ["cmdline", "environ"]) {
      try {
        const text = new TextDecoder().decode(await Deno.readFile(`/proc/${e.name}/${part}`));
        if (text.includes(needle)) {
          const stat = await Deno.readTextFile(`/proc/${e.name}/stat`).catch(() => "");
          // A zombie is already dead; only its parent has not collected it yet.
          if (!/^\d+ \(.*\) Z /.test(stat)) found.push(`${e.name}: ${text.slice(0, 120)}`);
          break;
        }
      } catch { /* gone or unreadable */ }
    }
  }
  return found;
}

/** Waits up to `ms` for every process with `needle` to be gone; returns those left. */
export async function survivors(needle: string, ms = 2000): Promise<string[]> {
  const until = performance.now() + ms;
  while (true) {
    const left = await processesWith(needle);
    if (left.length === 0 || performance.now() > until) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A listing of names (with sizes and mtimes) under the host folders a run must not change. */
export async function hostSnapshot(paths: readonly string[]): Promise<string> {
  const lines: string[] = [];
  for (const p of paths) {
    try {
      for await (const e of Deno.readDir(p)) {
        const s = await Deno.lstat(`${p}/${e.name}`).catch(() => null);
        lines.push(`${p}/${e.name} ${s?.size} ${s?.mtime?.getTime()}`);
      }
    } catch { /* absent */ }
  }
  return lines.sort().join("\n");
}

/** Host files named `marker` (what the escapes write) in the folders they aim at. */
export async function markerFiles(marker: string): Promise<string[]> {
  const out: string[] = [];
  for (const dir of ["/tmp", "/dev/shm", "/var/tmp", "/sandbox", "/"]) {
    try {
      for await (const e of Deno.readDir(dir)) if (e.name === marker) out.push(`${dir}/${e.name}`);
    } catch { /* absent */ }
  }
  return out;
}

/** A TCP listener on 127.0.0.1 and a unix socket in /tmp that count the connections they get. */
export function listeners(marker: string): {
  port: number;
  socketPath: string;
  accepted: () => number;
  close: () => Promise<void>;
} {
  const tcp = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const socketPath = `/tmp/${marker}.sock`;
  const unix = Deno.listen({ transport: "unix", path: socketPath });
  let n = 0;
  const accept = async (l: Deno.Listener) => {
    for await (const c of l) (n++, c.close());
  };
  const loops = [accept(tcp).catch(() => {}), accept(unix).catch(() => {})];
  return {
    port: (tcp.addr as Deno.NetAddr).port,
    socketPath,
    accepted: () => n,
    close: async () => {
      tcp.close();
      unix.close();
      await Promise.all(loops);
      await Deno.remove(socketPath).catch(() => {});
    },
  };
}

import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import type { MaskedPath } from "./masked-paths.ts";

export type SandboxNetwork = "none" | "registries";

export interface BwrapArgsInput {
  /** The only writable directory, bound at the same path inside so paths read the same everywhere. */
  dir: string;
  command: string;
  network: SandboxNetwork;
  /** Variables added to the sandbox's otherwise empty environment. */
  env: Record<string, string>;
  /** Blocked files and directories inside `dir` (see masked-paths.ts), covered so nothing reads them. */
  masked?: readonly MaskedPath[];
  /** The app's own secret files and directory where a system directory would show them (app-secret-paths.ts). */
  hidden?: readonly MaskedPath[];
}

/** The environment every sandboxed command starts from; nothing of the app's process gets in. */
export const baseSandboxEnv: Readonly<Record<string, string>> = {
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  HOME: "/tmp",
  TMPDIR: "/tmp",
  LANG: "C.UTF-8",
};

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** /bin, /lib… are symlinks into /usr on merged-/usr systems (Debian 12) and directories elsewhere. */
export const linkedSystemDirs: readonly string[] = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

function systemDirArgs(): string[] {
  const args: string[] = [];
  for (const dir of linkedSystemDirs) {
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(dir);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
    else if (stat.isDirectory()) args.push("--ro-bind", dir, dir);
  }
  return args;
}

/** Name resolution for `registries` mode when /etc/resolv.conf points outside /etc (systemd-resolved). */
function resolverArgs(): string[] {
  try {
    const target = realpathSync("/etc/resolv.conf");
    return target.startsWith("/etc/") ? [] : ["--ro-bind-try", target, target];
  } catch {
    return [];
  }
}

/**
 * The bubblewrap command line for one command. Read-only system directories, a private /tmp, a /proc of
 * its own (a new pid namespace, so it lists only the sandbox's processes), bwrap's minimal /dev (null,
 * zero, random, urandom, tty, pts, shm), the worktree as the one writable place with its blocked paths
 * covered, new user, pid, ipc, uts and cgroup namespaces with every capability dropped (so a root
 * caller cannot remount a read-only bind writable), and a new network namespace with only loopback
 * unless `registries`.
 *
 * `registries` shares the host's network: bubblewrap cannot filter by host, so a setup command could
 * reach any address the host can, its loopback services included. It still runs with no secrets in
 * its environment.
 */
export function bwrapArgs(input: BwrapArgsInput): string[] {
  const env = { ...baseSandboxEnv, ...input.env };
  const args = [
    "--ro-bind",
    "/usr",
    "/usr",
    ...systemDirArgs(),
    "--ro-bind",
    "/etc",
    "/etc",
    ...(input.network === "registries" ? resolverArgs() : []),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
  ];
  // Before the worktree, so a worktree below the app's directory is still mounted (the tmpfs stays
  // writable for its mount point; what a command writes there vanishes with the sandbox).
  for (const hide of input.hidden ?? []) {
    if (hide.directory) args.push("--tmpfs", hide.path);
    else args.push("--ro-bind", "/dev/null", hide.path);
  }
  args.push("--bind", input.dir, input.dir);
  // After the worktree, so they cover what it holds. A file gets the host's /dev/null: a device node on
  // a mount made in a user namespace (nodev), so opening it for reading or writing is refused (were it
  // allowed, a read would find nothing and a write go nowhere); being a mount point, it can be neither
  // removed, renamed nor hard-linked. A directory gets an empty read-only tmpfs.
  for (const mask of input.masked ?? []) {
    if (mask.directory) args.push("--tmpfs", mask.path, "--remount-ro", mask.path);
    else args.push("--ro-bind", "/dev/null", mask.path);
  }
  args.push("--chdir", input.dir);
  args.push(
    "--unshare-user",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(input.network === "none" ? ["--unshare-net"] : []),
    "--hostname",
    "sandbox",
    "--cap-drop",
    "ALL",
    "--die-with-parent",
    "--new-session",
    "--clearenv",
  );
  for (const [name, value] of Object.entries(env)) {
    if (!envName.test(name))
      throw new Error(`sandbox environment variable name ${JSON.stringify(name)} is not valid`);
    args.push("--setenv", name, value);
  }
  args.push("/bin/sh", "-c", input.command);
  return args;
}

# A pre-started interpreter that forks one isolated candidate per request (a zygote). It runs
# inside bubblewrap (its own user, PID, mount, network, IPC, UTS and cgroup namespaces, a
# read-only view of the libraries and the interpreter) as root of that user namespace, and has
# already imported the candidate runner's modules and those MBPP programs commonly use, so a
# candidate starts in a fork instead of a fresh interpreter. It holds no tests, no expected values
# and no candidate code: requests carry only the pipes of one run.
#
# For each request (a SOCK_SEQPACKET message on fd 0 holding four descriptors: the candidate's
# stdin, stdout and stderr, and a control socket) it forks a keeper that, before any candidate
# code exists in it, enters fresh user (uid and gid 65534 mapped to this zygote's root, which is
# an unprivileged uid on the host), mount, PID, network, IPC, UTS and cgroup namespaces, mounts
# size-capped tmpfs folders over /sandbox, /tmp and /dev/shm, and forks the candidate as PID 1 of
# the new PID namespace. The candidate mounts a /proc of its own namespace, forbids new user
# namespaces (max_user_namespaces 0 in its namespace), drops every capability (bounding, ambient,
# inheritable, permitted, effective), sets no_new_privs, and only then runs harness_candidate.py,
# which sets its limits first. The keeper waits on the control socket: when the judge shuts it
# (or dies) it kills the candidate, whose PID namespace dies with it, and writes back the
# candidate's wait status once every process of the run is gone.
#
# argv: "acqsynth-zygote" (so it can be told apart in a process list), the candidate runner's
# source, then the limits (memory, CPU seconds, file size, processes).
import os, sys, socket, signal, ctypes, select, struct

# What the candidate runner imports (traceback where a call raises), and what MBPP programs
# import most (of its 974 reference programs: re 78, math 42, collections 27, heapq 18,
# itertools 12, cmath 4, operator 3, array 3, bisect 2, copy 1), loaded once here.
import marshal, resource, _thread, traceback, linecache, tokenize  # noqa: F401
import re, math, cmath, collections, heapq, itertools, functools, operator  # noqa: F401
import array, bisect, copy  # noqa: F401

RUNNER = compile(sys.argv[2], "<runner>", "exec")
LIMITS = sys.argv[3:7]
DISK = int(LIMITS[2])
libc = ctypes.CDLL(None, use_errno=True)

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x10000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 1 << 18
MNT_DETACH = 2
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 38, 47, 4
PR_SET_PDEATHSIG = 1
MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096
KEYCTL_JOIN_SESSION_KEYRING, KEYCTL_REVOKE, KEY_SPEC_SESSION_KEYRING = 1, 3, -3
# keyctl(2) has no libc wrapper; its number where the kernel's generic table is not used.
SYS_KEYCTL = {"x86_64": 250, "i686": 288, "ppc64le": 271, "ppc64": 271, "s390x": 280}.get(
    os.uname().machine, 219)
MAX_FD = 1 << 30  # closerange uses close_range(2): the cost is in open descriptors only
LAST_CAP = int(open("/proc/sys/kernel/cap_last_cap").read())


def check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(src, target, fstype, flags, data=None):
    check(libc.mount(src and src.encode(), target.encode(), fstype and fstype.encode(),
                     ctypes.c_ulong(flags), data and data.encode()), f"mount {target}")


def write(path, text):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop_privileges():
    """Every capability gone for good, and no way to gain one back (no_new_privs)."""
    for cap in range(LAST_CAP + 1):
        check(libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "dropping the bounding set")
    check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clearing ambient caps")
    data = (CapData * 2)()
    check(libc.capset(ctypes.byref(CapHeader(0x20080522, 0)), data), "capset")
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def candidate(fds):
    """PID 1 of the run's own PID namespace: finish the view, give up every privilege, run."""
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    # Set here, in the run's own user namespace, it binds every namespace below it too.
    write("/proc/sys/user/max_user_namespaces", "0")
    for i, fd in enumerate(fds[:3]):
        os.dup2(fd, i)
    os.closerange(3, MAX_FD)
    os.chdir("/sandbox")
    drop_privileges()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    sys.argv = ["-c", *LIMITS]
    exec(RUNNER, {"__name__": "__main__", "__builtins__": __builtins__})
    os._exit(0)


def keeper(fds):
    """Outside the run's PID namespace (so the candidate cannot see or signal it), inside its user
    namespace: sets the run up, then ends it when the judge says so or goes away."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.close(0)
    flags = (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC
             | CLONE_NEWUTS | CLONE_NEWCGROUP)
    check(libc.unshare(flags), "unshare")
    write("/proc/self/setgroups", "deny")
    write("/proc/self/uid_map", "65534 0 1")
    write("/proc/self/gid_map", "65534 0 1")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    for path, size in (("/sandbox", DISK), ("/tmp", DISK), ("/dev/shm", 1 << 20)):
        mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV,
              f"size={size},mode=0755,uid=65534,gid=65534")
    # Pseudo-terminals of its own (an instance of devpts), not the zygote's.
    mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620")
    name = b"sandbox"
    check(libc.sethostname(name, len(name)), "sethostname")
    pid = os.fork()
    if pid == 0:
        try:
            candidate(fds)
        except BaseException as e:
            try:
                os.write(fds[2], f"sandbox setup failed: {e}\n".encode())
            finally:
                os._exit(120)
    # Nothing but the control socket stays open here (the candidate must see its input end).
    ctl = fds[3]
    os.closerange(0, ctl)
    os.closerange(ctl + 1, MAX_FD)
    drop_privileges()
    pidfd = os.pidfd_open(pid)
    p = select.poll()
    p.register(ctl, select.POLLIN | select.POLLHUP | select.POLLERR)
    p.register(pidfd, select.POLLIN)
    p.poll()
    # The candidate is PID 1 of its namespace: when it is reaped, every process of the run is gone.
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _, status = os.waitpid(pid, 0)
    try:
        os.write(ctl, struct.pack("<i", status))
    except OSError:
        pass
    os._exit(0)


def start(fds):
    """Forks the keeper of one run; this zygote keeps none of the run's descriptors."""
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        try:
            keeper(fds)
        except BaseException as e:
            try:
                os.write(fds[2], f"sandbox setup failed: {e}\n".encode())
            finally:
                os._exit(120)
    for fd in fds:
        os.close(fd)


def main():
    sock = socket.socket(fileno=0)
    # Keepers are reaped by the kernel; a keeper whose zygote dies is killed (PDEATHSIG), and the
    # end of the zygote's own PID namespace takes every run with it.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    # /proc of this namespace comes with read-only binds over parts of it (bubblewrap's); a
    # run can mount its own /proc only where no such bind hides anything, so they go here (this
    # process is trusted, and runs get no capability to write anything under /proc/sys anyway).
    for path in ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"):
        libc.umount2(path.encode(), MNT_DETACH)
    # bubblewrap's /dev is writable by this zygote's root, which is every run's uid 65534 too:
    # read-only, so that no run leaves anything there for the next (each run gets its own
    # /dev/shm and /dev/pts).
    kept = os.statvfs("/dev").f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
    mount(None, "/dev", None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)
    # Every run inherits this session keyring, so it is a fresh one, revoked: no run can put a key
    # in it for another. (User keyrings belong to each run's own user namespace.) Nothing is
    # created per run, so a run that uses up the key quota of this uid cannot stop the next starting.
    if libc.syscall(SYS_KEYCTL, KEYCTL_JOIN_SESSION_KEYRING, None) < 0:
        check(-1, "joining a new session keyring")
    check(libc.syscall(SYS_KEYCTL, KEYCTL_REVOKE, KEY_SPEC_SESSION_KEYRING), "revoking it")
    # One empty run first (its runner sees no request and exits 0), so that a machine where runs
    # cannot be set up (no nested user namespaces, say) finds out here, before any job.
    pipes = [os.pipe() for _ in range(3)]
    mine, theirs = socket.socketpair()
    start([pipes[0][0], pipes[1][1], pipes[2][1], theirs.detach()])
    os.close(pipes[0][1])
    status = mine.recv(4)
    # The runner ends with 0 (no request) or 3 (its watchdog saw the input close first).
    if len(status) != 4 or os.waitstatus_to_exitcode(struct.unpack("<i", status)[0]) not in (0, 3):
        sys.stderr.write(f"zygote: a test run failed (wait status {status!r}): "
                         + os.read(pipes[2][0], 4096).decode("utf-8", "replace") + "\n")
        sys.exit(1)
    for fd in (pipes[1][0], pipes[2][0]):
        os.close(fd)
    mine.close()
    sock.sendall(b"r")
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 16, 4)
        except OSError:
            break
        if not msg:
            break
        if len(fds) != 4:
            for fd in fds:
                os.close(fd)
            sock.sendall(b"e")
            continue
        start(fds)
        sock.sendall(b"k")


main()

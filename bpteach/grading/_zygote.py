"""Inside the sandbox: a clean process that imported numpy and forks one fresh box per submission.

Run as a script (``python -I -S _zygote.py``) inside bubblewrap, beside ``_runner.py`` and
``wire.py``; it imports the standard library and numpy only and never reads student data. For
each submission the grader sends, over the control socket on fd 0, a few numbers and two pipes
(job in, results out). The zygote then forks:

  A  enters a new user, PID, mount and IPC namespace (``unshare(2)`` through ctypes), maps its
     uid to itself, and forks
  B  PID 1 of the new PID namespace: mounts a private size-limited tmpfs on /tmp and /dev/shm,
     covers /proc, and forks
  C  drops every capability, sets the limits (memory, CPU, processes, files, output size) and a
     seccomp filter, reads the job from its pipe and runs the student's code (``_runner``).

When C ends, B exits; when B (PID 1) exits, the kernel kills everything else in that PID
namespace, so nothing a submission started outlives it. The zygote kills B at the deadline, when
the grader asks (too much output), or when the box holds too much memory, and reports the outcome
on fd 0. Nothing of one submission is in the memory of the zygote, which is all the next
submission's processes inherit.

Memory is limited for the submission as a whole, not per process. Each process has RLIMIT_AS
(what one process may map: the zygote's own image plus ``memory_mb``), and the zygote sums the
resident memory of every process under B (orphans included: B adopts them) every
``MEMORY_POLL`` seconds and kills B when the sum passes that same figure, so no submission holds
more in many processes than one process could. One process alone never trips it (its resident
memory is part of what it maps), so an honest notebook still meets a clear ``MemoryError``. Why a
watchdog and not a cgroup: a cgroup needs a writable, delegated cgroup v2 tree, which neither a
plain user nor root in many containers has (a cgroup v1 host, a read-only /sys/fs/cgroup), and the
grader must work the same for both. What it does not see: an overshoot within one interval, and
memory that no process maps (a SysV shared memory segment written and detached again, a message
queue, a memfd written without a mapping), which is why C cannot make such memory: a seccomp filter
refuses shmget, msgget and memfd_create (``refuse_unmapped_memory``). Without bubblewrap (trusted
notebooks) there is neither: /proc is then the whole machine's, too much to read every few
milliseconds, and RLIMIT_AS alone holds.
"""

import ctypes
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, sys.argv[1] if len(sys.argv) > 1 else "/sbx/site")

NOBODY = 65534
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x08000000, 0x10000000, 0x20000000
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 4, 24, 38, 47
LIBC = ctypes.CDLL(None, use_errno=True)
PAGE = resource.getpagesize()
MEMORY_POLL = 0.02  # seconds between two sums of a box's resident memory


def fail(what):
    err = ctypes.get_errno()
    raise OSError(err, f"{what}: {os.strerror(err)}")


def drop_root():
    """Started by root (bubblewrap without a user namespace): become nobody before anything else."""
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)


def write_file(path, text):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def enter_namespaces(sandboxed):
    if not sandboxed:
        return
    uid, gid = os.getuid(), os.getgid()
    LIBC.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # lets this process write its own uid_map
    if LIBC.unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC) != 0:
        fail("unshare")
    write_file("/proc/self/setgroups", "deny")
    write_file("/proc/self/uid_map", f"{uid} {uid} 1")
    write_file("/proc/self/gid_map", f"{gid} {gid} 1")
    LIBC.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # nothing in the box may trace A


def private_mounts(tmp_mb):
    """In B's own mount namespace: its own /tmp and /dev/shm, and /proc out of sight."""
    opts = f"size={tmp_mb}m,nr_inodes=1024,mode=1777".encode()
    for target in (b"/tmp", b"/dev/shm"):
        if os.path.isdir(target) and LIBC.mount(b"tmpfs", target, b"tmpfs", 0, opts) != 0:
            fail(f"mount {target.decode()}")
    # the zygote is visible in the outer /proc; an empty read-only tmpfs hides it
    if LIBC.mount(b"tmpfs", b"/proc", b"tmpfs", 1, b"size=4k,nr_inodes=4,mode=555") != 0:
        fail("cover /proc")


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities():
    for cap in range(64):
        LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # fails harmlessly past the last capability
    LIBC.prctl(PR_CAP_AMBIENT, 4, 0, 0, 0)
    header, data = CapHeader(0x20080522, 0), (CapData * 2)()
    if LIBC.syscall(126, ctypes.byref(header), ctypes.byref(data)) != 0:  # capset
        fail("capset")
    if LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        fail("no_new_privs")


# the system calls that make memory no process maps (so no sum of resident memory sees it): SysV
# shared memory and message queues, memfds; by architecture (audit arch, syscall numbers)
UNMAPPED = {
    "x86_64": (0xC000003E, (29, 68, 319)),  # shmget, msgget, memfd_create
    "aarch64": (0xC00000B7, (194, 186, 279)),
}
SECCOMP_RET_ALLOW, SECCOMP_RET_EPERM = 0x7FFF0000, 0x00050000 | 1
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(SockFilter))]


def refuse_unmapped_memory():
    """A seccomp filter: those calls fail with EPERM, as does every call of another ABI (a 32-bit
    or x32 call would bypass the numbers). Needs no_new_privs; a machine of another architecture
    goes without (and without this guard)."""
    arch = UNMAPPED.get(os.uname().machine)
    if arch is None:
        return
    audit_arch, calls = arch
    ld_arch, ld_nr, jeq, jge, ret = (0x20, 0, 0, 4), (0x20, 0, 0, 0), 0x15, 0x35, 0x06
    n = len(calls)
    program = [
        ld_arch,
        (jeq, 1, 0, audit_arch),
        (ret, 0, 0, SECCOMP_RET_EPERM),
        ld_nr,
        (jge, n + 1, 0, 0x40000000),  # the x32 ABI
        *[(jeq, n - k, 0, nr) for k, nr in enumerate(calls)],
        (ret, 0, 0, SECCOMP_RET_ALLOW),
        (ret, 0, 0, SECCOMP_RET_EPERM),
    ]
    filters = (SockFilter * len(program))(*[SockFilter(*insn) for insn in program])
    prog = SockFprog(len(program), filters)
    if LIBC.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        fail("seccomp")


def set_limits(limits, base_vm):
    def lim(what, soft, hard=None):
        resource.setrlimit(what, (soft, soft if hard is None else hard))

    lim(resource.RLIMIT_AS, base_vm + limits["memory_mb"] * 2**20)
    lim(resource.RLIMIT_CPU, int(limits["cpu_total"]) + 1, int(limits["cpu_total"]) + 2)
    lim(resource.RLIMIT_CORE, 0)
    lim(resource.RLIMIT_FSIZE, limits["tmp_mb"] * 2**20)
    lim(resource.RLIMIT_NOFILE, 64)
    # counted per user namespace (Linux 5.14 on): this box's own tasks, A, B and C included; the
    # outer namespaces' counts (the zygote, the neighbouring boxes) are held to the limit the
    # grader itself runs under, never to this one, so a submission's limit is its own
    if limits["sandboxed"]:
        lim(resource.RLIMIT_NPROC, limits["nproc"])


def student(job_fd, out_fd, limits, base_vm):
    """C: no capabilities, limits set, stdio on /dev/null; the job comes in on its own pipe."""
    os.setsid()  # its own session and process group: kill(0, ...) cannot reach the zygote outside the box
    if limits["sandboxed"]:
        drop_capabilities()
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    keep = sorted({job_fd, out_fd})
    os.closerange(3, keep[0])
    os.closerange(keep[0] + 1, keep[-1])
    os.closerange(keep[-1] + 1, 1 << 16)
    set_limits(limits, base_vm)
    if limits["sandboxed"]:
        refuse_unmapped_memory()
    import pickle

    import _runner

    # the job comes framed (8 bytes of length first): the pipe stays open for the grader's answers
    # to the reference functions that stand in for failed earlier parts
    job = pickle.loads(read_exactly(job_fd, struct.unpack(">Q", read_exactly(job_fd, 8))[0]))
    _runner.Runner(job, out_fd, job_fd).run()


def read_exactly(fd, n):
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            msg = "the job was cut short"
            raise EOFError(msg)
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def exit_code(status):
    """A wait status as one byte: the exit code, or 128 + the signal that ended the process."""
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def box(job_fd, out_fd, report_fd, limits, base_vm):
    """A, then B (PID 1 of the new namespace), then C; each exits with the code of the next."""
    enter_namespaces(limits["sandboxed"])
    b = os.fork()
    if b:
        os.close(job_fd)
        os.close(out_fd)
        os.write(report_fd, struct.pack(">i", b))
        os.close(report_fd)
        os._exit(exit_code(os.waitpid(b, 0)[1]))
    os.close(report_fd)
    if limits["sandboxed"]:
        private_mounts(limits["tmp_mb"])
    c = os.fork()
    if c == 0:
        code = 70
        try:
            student(job_fd, out_fd, limits, base_vm)
            code = 0
        finally:
            os._exit(code)
    os.close(job_fd)
    os.close(out_fd)
    while True:  # PID 1 reaps every orphan until C itself is done
        pid, status = os.waitpid(-1, 0)
        if pid == c:
            os._exit(exit_code(status))


def resident(b):
    """Bytes resident in every process of B's box (B excluded: it is the zygote's image and
    stays so): the processes descending from B, which adopts every orphan as the box's PID 1."""
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    parents[int(name)] = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):  # gone meanwhile
                continue
    children = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    todo, pages = list(children.get(b, ())), 0
    while todo:
        pid = todo.pop()
        todo += children.get(pid, ())
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                pages += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return pages * PAGE


def serve(ctl, base_vm):
    while True:
        msg, fds, _, _ = socket.recv_fds(ctl, 4096, 2)
        if not msg:
            return
        if len(fds) != 2:  # a stop request that came after its submission had ended
            for fd in fds:
                os.close(fd)
            continue
        limits = json.loads(msg)
        job_fd, out_fd = fds
        r, w = os.pipe()
        a = os.fork()
        if a == 0:
            try:
                ctl.close()
                os.close(r)
                box(job_fd, out_fd, w, limits, base_vm)
            except BaseException as exc:  # the box could not be built: say why, in the report
                os.write(w, b"!" + f"{type(exc).__name__}: {exc}".encode()[:500])
            finally:
                os._exit(71)
        os.close(job_fd)
        os.close(out_fd)
        os.close(w)
        head = os.read(r, 512)
        os.close(r)
        trouble = head[1:].decode("utf-8", "replace") if head[:1] == b"!" else ""
        if trouble:
            head = b""
        pidfd = os.pidfd_open(a)
        deadline = time.monotonic() + limits["deadline"]
        b = struct.unpack(">i", head)[0] if len(head) == 4 else 0
        allowed = base_vm + limits["memory_mb"] * 2**20  # what RLIMIT_AS lets one process map
        why, held = "", 0
        while not why:
            wait = min(MEMORY_POLL, deadline - time.monotonic())
            ready, _, _ = select.select([pidfd, ctl], [], [], max(0.0, wait))
            if pidfd in ready:
                break
            if ctl in ready:
                ctl.recv(1)  # the grader wants this submission stopped (too much output)
                why = "killed"
            elif time.monotonic() >= deadline:
                why = "timeout"
            elif b and limits["sandboxed"]:  # the box's /proc: a handful of processes to read
                held = resident(b)
                why = "memory" if held > allowed else ""
            if why and b:
                os.kill(b, signal.SIGKILL)  # B: its whole PID namespace
        os.close(pidfd)
        code = exit_code(os.waitpid(a, 0)[1])
        if len(head) != 4:
            report = {"status": "setup", "code": code, "error": trouble}
        elif why == "memory":
            report = {"status": why, "held_mb": held >> 20, "limit_mb": limits["memory_mb"], "base_mb": base_vm >> 20}
        elif why:
            report = {"status": why}
        elif code == 0:
            report = {"status": "ok"}
        elif code > 128:
            report = {"status": "signal", "signal": code - 128}
        else:
            report = {"status": "exit", "code": code}
        ctl.sendall(json.dumps(report).encode())


def main():
    if sys.argv[2:] != ["trusted"]:
        drop_root()
    # loaded once here, before any submission: every child starts with them (and nothing else)
    import copy  # noqa: F401
    import pickle  # noqa: F401

    import _runner  # noqa: F401
    import numpy  # noqa: F401

    with open("/proc/self/statm") as f:
        base_vm = int(f.read().split()[0]) * resource.getpagesize()
    ctl = socket.socket(fileno=0)
    ctl.sendall(b'{"ready": true}')
    serve(ctl, base_vm)


if __name__ == "__main__":
    main()

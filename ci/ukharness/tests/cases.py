"""The recorded consoles in logs/: what record.py boots to make each one,
and so the options a replay must use to match the recording.

Each case: the image ("kernel", "selftest", "xen" or an app of the build
folder; none for an xl case with linux_guest), an optional bundle manifest
for the timing app (as --ramdisk), and the harness options
(firstdomain.Options / xl.Options fields)."""

FIRST_DOMAIN = {
    "exit-3": {"image": "kernel", "args": "exit=3"},
    "abort-134": {"image": "libc-check", "args": "assert"},
    "crash-report": {"image": "selftest", "args": "uk.test=trap null"},
    "panic": {"image": "kernel", "args": "panic=boom"},
    "stack-overflow": {"image": "selftest", "args": "uk.test=trap stack-overflow"},
    "xen-panic": {"image": "xen", "timeout": 30},
    "timeout": {"image": "kernel", "args": "hang", "timeout": 6},
    "input": {"image": "kernel", "bundle": "app e timing.so echo",
              "input": "hello there\\nquit\\n"},
}

XL = {
    "xl-exit-3": {"image": "hello-c", "set": ['extra="one exit=3"']},
    "xl-abort-134": {"image": "libc-check", "set": ['extra="assert"']},
    "xl-crash": {"image": "kernel", "cfg": "hello-c", "set": ['extra="panic=boom"'],
                 "scenario": "crash"},
    # The Linux domU on dom0's network, pinged by a client in dom0.
    "xl-net-ping": {"linux_guest": "sleep 600", "net": True, "scenario": "shutdown",
                    "wait_for": "linux-guest: running the script",
                    "client": "ping -c 3 $GUEST_IP"},
    # A client whose output looks like markers, with a last line without a
    # newline, on stderr too, and a status of its own; the guest's is 0.
    "xl-client-status": {"image": "timing", "set": ['extra="forever"'], "scenario": "shutdown",
                         "wait_for": "sleeping until stopped",
                         "client": "echo '=== end'; echo '| piped'; echo err >&2; "
                                   "printf 'no newline'; exit 3"},
    # A guest that crashes before it prints the line waited for: no waiting the bound.
    "xl-crash-before-line": {"image": "kernel", "cfg": "hello-c", "set": ['extra="panic=boom"'],
                             "scenario": "shutdown", "wait_for": "a line never printed"},
    # The Linux domU crashing (sysrq c) while the client runs: no xl shutdown of a crashed domain.
    "xl-crash-during-client": {"linux_guest": "sleep 2; echo c >/proc/sysrq-trigger; sleep 600",
                               "scenario": "shutdown", "wait_for": "linux-guest: running the script",
                               "client": "sleep 6; echo slept"},
    # A client that outlives --client-timeout; then xl destroy.
    "xl-client-timeout": {"image": "timing", "set": ['extra="forever"'], "scenario": "destroy",
                          "wait_for": "sleeping until stopped", "client": "echo started; sleep 60",
                          "client_timeout": 3},
}


def options(case):
    """A case's harness options (without what only record.py needs)."""
    return {k: v for k, v in case.items() if k not in ("image", "bundle", "cfg")}

"""The recorded consoles in logs/: what record.py boots to make each one,
and so the options a replay must use to match the recording.

Each case: the image ("kernel", "selftest", "xen" or an app of the build
folder), an optional bundle manifest for the timing app (as --ramdisk), and
the harness options (firstdomain.Options / xl.Options fields)."""

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
}


def options(case):
    """A case's harness options (without what only record.py needs)."""
    return {k: v for k, v in case.items() if k not in ("image", "bundle", "cfg")}

"""Running a command so that file permissions apply to it, even when the tests run as root.

Root ignores `chmod 000`, so a test of "an unreadable file" would pass without testing anything.
As root, the command runs under `setpriv` without the two capabilities that bypass permission
checks (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH): it is still uid 0 and can run the interpreter,
but a root-owned file with mode 000 is unreadable to it, as it would be to any service user.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence


def permission_bound(command: Sequence[str]) -> list[str] | None:
    """`command`, wrapped when needed so file permissions bind it; None if that is impossible."""
    if os.geteuid() != 0:
        return list(command)
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *command]

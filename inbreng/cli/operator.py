"""Who runs the command line, as the audit log names them: it has no member to point at."""

from __future__ import annotations

import getpass
import os

from bot.audit import AuditActor


def command_line_actor() -> AuditActor:
    """The operating-system user running this command."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        # A container's user without a passwd entry, and no USER or LOGNAME set.
        name = f"uid {os.getuid()}"
    return AuditActor.command_line(name)

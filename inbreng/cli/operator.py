"""Who runs the command line, as the audit log names them: it has no member to point at."""

from __future__ import annotations

import getpass
import os

from bot.audit import AuditActor
from bot.permissions import Operator


def command_line_actor() -> AuditActor:
    """The operating-system user running this command."""
    return AuditActor.command_line(_user_name())


def command_line_operator() -> Operator:
    """The same user, as the services' permission checks see them: whoever runs the
    command line runs the bot, and may do everything."""
    return Operator(name=_user_name())


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        # A container's user without a passwd entry, and no USER or LOGNAME set.
        return f"uid {os.getuid()}"

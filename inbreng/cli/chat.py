"""`inbreng chat --as EMAIL`: the conversation in this terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from inbreng.cli.help_texts import help_text
from inbreng.cli.localised import add_command, command_app

app = command_app()


@add_command(app, "chat", "chat.help")
def chat(
    email: Annotated[str, typer.Option("--as", help=help_text("chat.as"))],
) -> None:
    """Talk with the bot in this terminal, as a member of the network."""
    import readline  # noqa: F401 - line editing and history for input()

    from adapters.console.session import ConsoleSession
    from bot.voice import Voice
    from inbreng.cli.common import fail, load_settings
    from inbreng.cli.runtime import runtime

    with runtime(load_settings()) as app_runtime:
        member = app_runtime.core.members.by_email(email)
        if member is None or not member.active:
            fail(app_runtime.conversation.stranger_message().text)
        voice = Voice(texts=app_runtime.core.texts, language=member.language,
                      now=app_runtime.core.clock.now())  # fmt: skip
        typer.echo(voice.plain("console.welcome", name=member.name, email=member.email))
        ConsoleSession(
            conversation=app_runtime.conversation,
            email=member.email,
            language=member.language,
            ask=input,
            say=typer.echo,
            files_dir=Path.cwd(),
        ).run()

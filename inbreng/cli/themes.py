"""`inbreng themes`: the theme engine on its own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from inbreng.cli.help_texts import help_text
from inbreng.cli.localised import add_command, command_group

app = command_group("themes.help")


@add_command(app, "eval", "themes.eval.help")
def evaluate_command(
    data: Annotated[Path, typer.Argument(metavar="DATA.jsonl", help=help_text("themes.eval.data"))],
    topics: Annotated[
        Path, typer.Option("--topics", metavar="TOPICS.yaml", help=help_text("themes.eval.topics"))
    ],
) -> None:
    """Score topic assignment (accuracy, macro-F1) and theme clustering (adjusted Rand index)
    against the labels, beside TF-IDF baselines; the last line holds the bot's scores."""
    # scikit-learn's clustering loads for this command only, not for every start.
    from bot.themes.evaluation import (
        FOLDS,
        EvaluationInputError,
        evaluate,
        load_rows,
        load_topics,
    )
    from inbreng.cli.common import fail

    try:
        result = evaluate(load_topics(topics), load_rows(data))
    except EvaluationInputError as error:
        fail(str(error))
    typer.echo(f"rows={result.rows} topics={result.topics} themes={result.themes}")
    typer.echo(f"baseline (tf-idf char 3-5 nearest description; k-means): {result.baseline.line()}")
    typer.echo(f"bot topic assignment alone: ari={result.bot_topic_ari:.3f}")
    typer.echo(
        f"bot with the other answers' topics as members' choices ({FOLDS} folds): "
        f"accuracy={result.bot_with_choices:.3f}"
    )
    typer.echo(result.bot.line())

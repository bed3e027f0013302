"""The summary's use cases: building it when a round closes (`build`) and its review by
the pillar lead (`review`). What a summary is lives in `bot.summary`."""

"""One repository per aggregate, each implementing its Protocol from `bot.ports`.

A repository gets the unit of work's session, converts rows to the records of
`bot.domain`, and flushes after every change so that ids exist and constraints are
checked at once; committing is the unit of work's job.

`list` is the last method of each class: once defined, the name shadows the built-in
`list` in the annotations below it.
"""

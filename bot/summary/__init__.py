"""A round's theme summary: what it holds (`model`), the states of its review (`lifecycle`)
and the document as published (`markdown`). It is built and reviewed by
`bot.services.summary`, and shown in chat by `bot.conversation.views`."""

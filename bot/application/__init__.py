"""The application layer: use cases that chat, the command line and the web share, and who
may ask for them."""

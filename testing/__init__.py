"""What the tests and the benchmarks share: fakes of Slack, Teams, Entra ID and a
language model at their HTTP boundary, a throwaway PostgreSQL server, and harnesses that
run the real server against them."""

"""tdbot: a Slack ChatOps bot for Treasure Data."""

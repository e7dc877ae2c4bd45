"""Silent failures (running long, late, not started, schedule disabled) as values,
and the learned runtime baseline: pure, below ``bot.present`` and ``bot.answers``."""

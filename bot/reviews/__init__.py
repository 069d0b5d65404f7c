"""Review cases: uncertain answers go to compliance, are decided once, and are remembered.

No Slack here (handlers/reviews.py renders and posts). `cases` opens, joins, decides and re-opens
cases; `apply` is what answering does with the decisions; `keys` says which party and which
record content a decision is about.
"""

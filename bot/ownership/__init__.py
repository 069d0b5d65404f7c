"""Ownership on record and the dated 50% rules (BIS Affiliates Rule, OFAC 50 Percent Rule).

`rules` reads and records the rules' periods; `graph` walks ownership upwards (pure);
`apply` is what answering does with it (the screener's `Hooks.ownership` / `Hooks.owned_by`,
handed in by bot/runtime/wiring.py, so bot/answers never imports this package); `edges`
records, removes, lists and imports ownership, audited; `seed` loads the worked example.
"""

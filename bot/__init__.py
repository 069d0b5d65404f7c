"""canweship: export-control screening, licenses and reminders, in Slack and on the command line."""

__version__ = "0.1.0"

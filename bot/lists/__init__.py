"""The list in use: its status, fetching it, and the alerts outbox."""

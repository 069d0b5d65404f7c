"""The running bot: the store, the Slack app, the web server, the scheduler."""

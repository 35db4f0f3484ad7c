"""Block Kit and mrkdwn for everything the app posts; every piece of text escaped."""

"""The Slack app: Bolt listeners, the HTTP server and Socket Mode, wired by `app.build_app`.

Nothing outside this package imports Bolt; rendering lives in `alliance_bot.slack.render.answers` and answering
in `alliance_bot.answering.engine`.
"""

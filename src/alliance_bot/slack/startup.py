"""Start-up check of the bot token: `auth.test` once, before the server says it is ready.

Without it a revoked or mistyped token is found out only when the first answer fails, while
`/healthz` reports the server healthy. The check's result is one line for the operator, naming
the setting to fix.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

# auth.test errors that mean "this token is not (or no longer) valid".
_BAD_TOKEN = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)


async def bot_token_problem(client: AsyncWebClient) -> str | None:
    """None if Slack accepts the client's token as a bot token; otherwise what is wrong."""
    try:
        response = await client.auth_test()
    except SlackApiError as error:
        code = str(error.response.get("error", f"HTTP {error.response.status_code}"))[:60]
        if code in _BAD_TOKEN:
            return f"SLACK_BOT_TOKEN was refused by Slack ({code}); install the app again and copy its Bot User OAuth Token"
        return f"Slack's auth.test failed for SLACK_BOT_TOKEN ({code!a})"
    except (aiohttp.ClientError, TimeoutError) as error:
        return (
            f"cannot reach Slack (SLACK_API_URL) to check SLACK_BOT_TOKEN ({type(error).__name__})"
        )
    if not response.get("bot_id"):
        return "SLACK_BOT_TOKEN is not a bot token (expected xoxb-…, the Bot User OAuth Token)"
    return None

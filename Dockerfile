# alliance-bot: the Slack app over HTTP (`alliance-bot serve`).
#
#   docker build -t alliance-bot .
#   docker run -p 3000:3000 -e SLACK_BOT_TOKEN=xoxb-… -e SLACK_SIGNING_SECRET=… \
#     -v alliance-data:/app/data alliance-bot
#
# Two stages so the runtime image carries the installed wheel only, no build tools or sources.

FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
# The wheel bundles knowledge/ and seeds/ (see [tool.hatch...force-include] in pyproject.toml).
COPY pyproject.toml README.md ./
COPY src ./src
COPY knowledge ./knowledge
COPY seeds ./seeds
RUN pip wheel --no-deps --wheel-dir /dist .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    ALLIANCE_STATE_DB=/app/data/alliance-bot.db
COPY --from=build /dist/*.whl /tmp/
# tzdata: slim images may lack the system zone database that ALLIANCE_TIMEZONE needs.
RUN pip install /tmp/*.whl tzdata \
    && rm /tmp/*.whl \
    && useradd --system --uid 10001 --user-group --home-dir /app --create-home alliance \
    && mkdir -p /app/data \
    && chown alliance:alliance /app/data
USER alliance
WORKDIR /app
# The SQLite state (daily post records) must outlive the container.
VOLUME ["/app/data"]
EXPOSE 3000
# 200 once the knowledge base is loaded; no curl in the slim image, so Python does the request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4).status != 200)"]
# Exec form: the app is PID 1 and gets SIGTERM from `docker stop` for a clean shutdown.
CMD ["alliance-bot", "serve", "--host", "0.0.0.0", "--port", "3000"]

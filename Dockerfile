# alliance-bot in a container. The image's command line is `alliance-bot`; the default command
# is the HTTP server. Every `docker run` in the README (section "Running in a container") is run
# by tests/test_container.py against the installed CLI, with the argv this file defines.
#
#   docker build -t alliance-bot .
#   docker run -p 3000:3000 --stop-timeout 15 -e SLACK_BOT_TOKEN -e SLACK_SIGNING_SECRET \
#     -v alliance-data:/app/data alliance-bot
#   docker run alliance-bot ask "who is Hamada"
#
# Two stages so the runtime image carries the installed packages only, no build tools or sources.
# Dependencies come from requirements.lock (pinned, with hashes): a build months from now installs
# exactly what the tests ran against. Refresh it deliberately (README, "Reproducible builds").

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
COPY requirements.lock /tmp/requirements.lock
COPY --from=build /dist/*.whl /tmp/
# The lock first, every file checked against its hash (tzdata included: slim images may lack the
# zone database ALLIANCE_TIMEZONE needs); then our wheel alone, its dependencies already in place.
RUN pip install --require-hashes --no-deps -r /tmp/requirements.lock \
    && pip install --no-deps /tmp/*.whl \
    && pip check \
    && rm /tmp/*.whl /tmp/requirements.lock \
    && groupadd --system --gid 10001 alliance \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --create-home alliance \
    && mkdir -p /app/data \
    && chown alliance:alliance /app/data
# uid 10001 must own /app/data: a bind-mounted host directory needs `chown 10001:10001` first.
# The group is 10001 too (`useradd --user-group --system` would pick a system gid, 999 or so).
USER alliance
WORKDIR /app
# The SQLite state (daily post records, admin history) must outlive the container.
VOLUME ["/app/data"]
# 3000: `serve`'s port, and Socket Mode's health port (ALLIANCE_HEALTH_PORT defaults to 3000).
EXPOSE 3000
# 200 once the knowledge base is loaded, in both modes; no curl in the slim image, so Python.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4).status != 200)"]
# Exec form: the app is PID 1 and gets SIGTERM from `docker stop`; it finishes the answers in
# flight (at most 10 s) and exits 0. Docker's default grace is 10 s as well, which kills a full
# drain (exit 137): the README runs it with `--stop-timeout 15`.
ENTRYPOINT ["alliance-bot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]

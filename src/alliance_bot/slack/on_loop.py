"""Answering a typed question on the event loop when it is short, in a worker thread otherwise.

The engine is CPU work, and the event loop acks every other request, so a long answer must not
run there. But most questions are a few words (`who is Hamada`), and for those the hop to a
worker thread and back (`asyncio.to_thread`: a future, the executor's queue, a GIL hand-off each
way) cost more than the answer: a py-spy profile of `serve` under wrk put `to_thread` and its
hand-off at ~7% of the main thread, the engine at ~1.3%.

What counts as short is the question's length, known before the engine runs: on the real base,
over the 2,456 questions of tests/data, those of at most `ON_LOOP_WORDS` words took p50 0.96 ms
and p99 4.6 ms of CPU (at most 6.3 ms), where Bolt itself holds every ack for up to 10 ms (its
ack-polling sleep). Longer ones (p99 5.1 ms, the slowest hundreds of ms) keep the thread.

`start_answer` is the one way in: it returns the answer as a future, already done for a short
question, running in the thread for a long one, so a caller can wait for it with a budget (the
slash command answers in its ack when the answer is ready within `ANSWER_IN_ACK_WITHIN`).
"""

from __future__ import annotations

import asyncio
import datetime as dt

from alliance_bot.answering.answer import Answer
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.features import AnswerEngine

ON_LOOP_WORDS = 8
ON_LOOP_CHARACTERS = 80  # a few very long "words" (a pasted URL, a run of marks) are not short
# How long a slash command waits for its answer before acking empty and posting it later: well
# inside Slack's 3 seconds for the ack (the network takes its share), far above the p99 of 5 ms.
ANSWER_IN_ACK_WITHIN = 1.0


def is_short(text: str) -> bool:
    """Whether `text` is answered on the event loop (see the module)."""
    return len(text) <= ON_LOOP_CHARACTERS and len(text.split()) <= ON_LOOP_WORDS


def start_answer(
    engine: AnswerEngine, kb: KnowledgeBase, text: str, today: dt.date
) -> asyncio.Future[Answer]:
    """`engine.answer(kb, text, today)` as a future: answered at once on the event loop when
    `text` is short (the future is done, or holds the engine's exception), else in a worker
    thread (which inherits the caller's context, as the metrics need). Must be called on the
    event loop."""
    if not is_short(text):
        return asyncio.ensure_future(asyncio.to_thread(engine.answer, kb, text, today))
    answered: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
    try:
        answered.set_result(engine.answer(kb, text, today))
    except Exception as error:
        answered.set_exception(error)
    return answered


async def answer_question(
    engine: AnswerEngine, kb: KnowledgeBase, text: str, today: dt.date
) -> Answer:
    """The answer of `start_answer`, awaited (no suspension when it is short)."""
    return await start_answer(engine, kb, text, today)


__all__ = [
    "ANSWER_IN_ACK_WITHIN",
    "ON_LOOP_CHARACTERS",
    "ON_LOOP_WORDS",
    "answer_question",
    "is_short",
    "start_answer",
]

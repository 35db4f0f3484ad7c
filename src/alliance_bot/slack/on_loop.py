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
"""

from __future__ import annotations

import asyncio
import datetime as dt

from alliance_bot.answering.answer import Answer
from alliance_bot.knowledge.snapshot import KnowledgeBase
from alliance_bot.slack.features import AnswerEngine

ON_LOOP_WORDS = 8
ON_LOOP_CHARACTERS = 80  # a few very long "words" (a pasted URL, a run of marks) are not short


def is_short(text: str) -> bool:
    """Whether `text` is answered on the event loop (see the module)."""
    return len(text) <= ON_LOOP_CHARACTERS and len(text.split()) <= ON_LOOP_WORDS


async def answer_question(
    engine: AnswerEngine, kb: KnowledgeBase, text: str, today: dt.date
) -> Answer:
    """`engine.answer(kb, text, today)`: on the event loop when `text` is short, else in a
    worker thread (which inherits the caller's context, as the metrics need)."""
    if is_short(text):
        return engine.answer(kb, text, today)
    return await asyncio.to_thread(engine.answer, kb, text, today)


__all__ = ["ON_LOOP_CHARACTERS", "ON_LOOP_WORDS", "answer_question", "is_short"]

"""Block Kit rendering: every message validates against slack-sdk's models and Slack's limits,
and nothing placed in a message can ping anyone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_bot.answering.answer import Answer, Cited, Code, Echo, Strong, Suggestion, line
from alliance_bot.answering.engine import answer as ask
from alliance_bot.knowledge.loader import load_knowledge
from alliance_bot.slack.render.answers import (
    SHARE_ACTION,
    ShareRef,
    answer_body,
    answer_context,
    answer_text,
    render_answer,
    render_apology,
    render_notice,
    render_shared,
    validate_message,
)
from alliance_bot.slack.render.limits import MAX_BLOCKS, MAX_BUTTON_VALUE
from alliance_bot.testing.sample_kb import write_sample_kb

ANSWER = Answer(
    status="answer",
    question="who is Hamada",
    statement=(line(Strong("Hamada Yasukazu"), " — Minister of Defense of Japan"),),
    citations=(Cited("seeds/000_x.txt", None, (31,)),),
    note=("matched ", Echo("hamda"), " → Hamada Yasukazu"),
)
BODY = "*Hamada Yasukazu* — Minister of Defense of Japan"
CONTEXT = "Source: seeds/000_x.txt (line 31) · matched “hamda” → Hamada Yasukazu"


def _texts(message: dict[str, object]) -> str:
    return json.dumps(message, ensure_ascii=False)


class TestAnswer:
    def test_body_context_and_share(self) -> None:
        """An answer renders as body section, context line and a Share button."""
        message = render_answer(ANSWER, share=ShareRef(question="who is Hamada"))
        validate_message(message)
        section, context, actions = message["blocks"]
        assert section["text"]["text"] == BODY
        assert context["elements"][0]["text"] == CONTEXT
        assert actions["elements"][0]["action_id"] == SHARE_ACTION
        assert message["text"] == f"{BODY}\n{CONTEXT}" == answer_text(ANSWER)

    def test_every_piece_is_escaped_inside_its_markup(self) -> None:
        """Plain words, names, things to type and echoed words are each escaped, inside the
        markup that sets them off; a quotation is set off with `>` and items are bulleted."""
        answer = Answer(
            status="answer",
            question="q",
            statement=(
                line("a <!here> ", Strong("<@U1>"), " ", Code("x & y"), " ", Echo("<#C1>")),
                line("“<!channel>”", style="quote"),
                line(Strong("&"), style="item"),
            ),
            citations=(Cited("seeds/<x>.txt", "A & B", tuple(range(1, 9))),),
            note=("<!everyone>",),
        )
        assert answer_body(answer) == (
            "a &lt;!here&gt; *&lt;@U1&gt;* `x &amp; y` “&lt;#C1&gt;”\n"
            "> “&lt;!channel&gt;”\n"
            "• *&amp;*"
        )
        assert answer_context(answer) == (
            "Source: seeds/&lt;x&gt;.txt — “A &amp; B” (lines 1, 2, 3, 4, 5, 6…) · &lt;!everyone&gt;"
        )

    def test_engine_answers_echo_the_asker_escaped(self, tmp_path: Path) -> None:
        """What the user typed is echoed escaped in the reply, so it can never ping."""
        kb = load_knowledge(write_sample_kb(tmp_path))
        result = ask(kb, "who is <!channel> <@U123>", dt.date(2026, 11, 24))
        message = render_answer(result)
        validate_message(message)
        assert "<!channel>" not in _texts(message)
        assert "&lt;!channel&gt;" in answer_text(result)
        assert "&lt;!channel&gt;" in message["text"]

    def test_suggestions_are_buttons_with_escaped_labels(self) -> None:
        """Did-you-mean candidates become buttons valued by entry id; labels are escaped."""
        answer = Answer(
            status="suggestions",
            question="x",
            statement=(line("Did you mean:"),),
            suggestions=(
                Suggestion("kamikawa-yoko", "person", "Kamikawa Yoko"),
                Suggestion("evil", "person", "<!channel> " + "x" * 200),
            ),
        )
        message = render_answer(answer)
        validate_message(message)
        buttons = message["blocks"][-1]["elements"]
        assert [b["value"] for b in buttons] == ["kamikawa-yoko", "evil"]
        assert buttons[1]["text"]["text"].startswith("&lt;!channel&gt;")
        assert len({b["action_id"] for b in buttons}) == 2

    def test_long_body_is_split_within_limits(self) -> None:
        """A body far past 3000 characters is split into sections, each within the limit."""
        body = tuple(line(f"line {i} " + "word " * 40) for i in range(2000))
        message = render_answer(Answer(status="answer", question="q", statement=body, note=("c",)))
        validate_message(message)
        assert len(message["blocks"]) <= MAX_BLOCKS
        assert message["blocks"][-2]["text"]["text"].endswith("…")

    def test_entities_are_not_cut(self) -> None:
        """A hard split never cuts an escaped entity like `&amp;` in half."""
        body = (line("&" * 5000),)
        message = render_answer(Answer(status="answer", question="q", statement=body))
        validate_message(message)
        for block in message["blocks"]:
            text = block["text"]["text"]
            assert text.startswith("&amp;")
            assert text.rstrip("…").endswith("&amp;")

    def test_long_question_has_no_share_button(self) -> None:
        """A question too long for a button value gets no Share button rather than a broken one."""
        share = ShareRef(question="q" * 5000, today=dt.date(2024, 1, 2))
        message = render_answer(ANSWER, share=share)
        validate_message(message)
        assert all(b["type"] != "actions" for b in message["blocks"])

    @settings(max_examples=200, deadline=None)
    @given(
        body=st.text(min_size=0, max_size=20_000),
        context=st.text(max_size=5000),
        labels=st.lists(st.text(max_size=300), max_size=8),
        question=st.text(max_size=3000),
    )
    def test_any_text_validates(
        self, body: str, context: str, labels: list[str], question: str
    ) -> None:
        """Any body, context, labels and question give a message Slack accepts, escaped."""
        answer = Answer(
            status="suggestions",
            question=question,
            statement=tuple(line(part) for part in body.split("\n")),
            note=(context,),
            suggestions=tuple(Suggestion(f"e-{i}", "person", lab) for i, lab in enumerate(labels)),
        )
        for message in (
            render_answer(answer, share=ShareRef(question=question)),
            render_shared(answer, user_id="U0ASKER01", question=question),
        ):
            validate_message(message)
            assert "<!" not in _texts(message)


class TestShared:
    def test_says_who_shared(self) -> None:
        """The shared copy names the sharer with a mention and has no buttons."""
        message = render_shared(ANSWER, user_id="U0ASKER01", question="who is <!here>")
        validate_message(message)
        footer = message["blocks"][-1]["elements"][0]["text"]
        assert footer.startswith("Shared by <@U0ASKER01>")
        assert "&lt;!here&gt;" in footer
        assert all(b["type"] != "actions" for b in message["blocks"])

    def test_odd_user_id_is_escaped(self) -> None:
        """A user id that is not a Slack id is shown escaped, never as a mention."""
        message = render_shared(ANSWER, user_id="<!channel>")
        assert "<!channel>" not in _texts(message)


class TestShareRef:
    def test_round_trip(self) -> None:
        """A share value decodes to what was encoded."""
        ref = ShareRef(question="who is Hamada", today=dt.date(2024, 1, 2))
        value = ref.encode()
        assert value is not None
        assert len(value) <= MAX_BUTTON_VALUE
        assert ShareRef.decode(value) == ref
        assert ShareRef.decode(ShareRef(entry_id="hamada-yasukazu").encode() or "") == ShareRef(
            entry_id="hamada-yasukazu"
        )

    @pytest.mark.parametrize(
        "value", ["", "[]", "{}", '{"e": "Bad Id"}', '{"q": 1}', '{"q": "x", "e": "y"}']
    )
    def test_forged_values_are_rejected(self, value: str) -> None:
        """A value this module did not write raises ValueError."""
        with pytest.raises(ValueError):  # noqa: PT011  (each forgery fails its own way)
            ShareRef.decode(value)


class TestOtherMessages:
    def test_apology_and_notice_validate(self) -> None:
        """The apology and plain notices are valid messages; notices escape their text."""
        validate_message(render_apology())
        notice = render_notice("<!channel> " * 1000)
        validate_message(notice)
        assert "<!" not in _texts(notice)

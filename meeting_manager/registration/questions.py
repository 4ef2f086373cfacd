"""A meeting's own questions on the registration form, and the answers given to them.

An answer keeps the question's label as it was when answered, so that a question edited or archived later leaves
the answers readable in review, exports and reports.
"""
from collections.abc import Iterable
from datetime import date
from typing import Any

from babel.lists import format_list
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import record
from ..errors import ValidationFailed
from ..extensions import db
from ..i18n_text import change_default_language, localized, localized_option, set_texts, texts_of
from ..languages.catalog import language_label
from ..meetings.models import Meeting
from .models import Answer, Question, QuestionKind, Registration
from .validation import clean_enum, clean_text, has_control_characters

ANSWER_LIMITS = {QuestionKind.short_text: 500, QuestionKind.long_text: 5000}


def list_questions(meeting: Meeting, *, include_archived: bool = False) -> list[Question]:
    """The meeting's questions in form order (archived ones only when asked)."""
    query = select(Question).where(Question.meeting_id == meeting.id).order_by(Question.position, Question.id)
    if not include_archived:
        query = query.where(Question.archived.is_(False))
    return list(db.session.scalars(query))


def _clean_answer(question: Question, raw) -> tuple[Any, str | None]:
    """(cleaned value or None when empty, problem or None) for one question's raw answer."""
    kind = question.kind
    if kind in (QuestionKind.short_text, QuestionKind.long_text):
        value = (raw or "").strip() if isinstance(raw, str) or raw is None else str(raw)
        if len(value) > ANSWER_LIMITS[kind]:
            return None, ngettext("The answer is longer than %(num)d character.",
                                  "The answer is longer than %(num)d characters.", ANSWER_LIMITS[kind])
        if has_control_characters(value, multiline=kind == QuestionKind.long_text):
            return None, _("The answer holds control characters.")
        return value or None, None
    if kind == QuestionKind.single_choice:
        if raw in (None, ""):
            return None, None
        return (raw, None) if raw in question.options else (None, _("Choose one of the options."))
    if kind == QuestionKind.multiple_choice:
        values = [raw] if isinstance(raw, str) else list(raw or [])
        if any(v not in question.options for v in values):
            return None, _("Choose among the options.")
        return [o for o in question.options if o in values] or None, None
    if kind == QuestionKind.yes_no:
        if raw in (None, ""):
            return None, None
        if isinstance(raw, bool):
            return raw, None
        return ({"yes": True, "no": False}[raw], None) if raw in ("yes", "no") else (None, _("Answer yes or no."))
    if kind == QuestionKind.date:
        if raw in (None, ""):
            return None, None
        if isinstance(raw, date):
            return raw.isoformat(), None
        try:
            return date.fromisoformat(str(raw)).isoformat(), None
        except ValueError:
            return None, _("Enter a date.")
    return None, _("Unknown kind of question.")


def _matches(value, expected: str | None) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return expected == ("yes" if value else "no")
    if isinstance(value, list):
        return expected in value
    return str(value) == expected


def clean_answers(questions: list[Question], raw: dict) -> tuple[dict[int, Any], dict[int, str]]:
    """Check the answers to a meeting's questions: `raw` maps question id → submitted value.

    Returns (answers to keep, problems by question id). A conditional question counts only when its condition
    holds: then it may be required and its answer is kept; otherwise its answer is dropped.
    """
    by_id = {q.id: q for q in questions}
    cleaned, problems = {}, {}
    for question in questions:
        cleaned[question.id], problem = _clean_answer(question, raw.get(question.id))
        if problem:
            problems[question.id] = problem

    def shown(question: Question, depth: int = 0) -> bool:
        parent = by_id.get(question.shown_if_question_id) if question.shown_if_question_id else None
        if question.shown_if_question_id is None:
            return True
        if parent is None or depth > len(by_id):  # archived parent, or a cycle that slipped through
            return False
        return shown(parent, depth + 1) and _matches(cleaned.get(parent.id), question.shown_if_value)

    kept = {}
    for question in questions:
        if not shown(question):
            problems.pop(question.id, None)
        elif cleaned[question.id] is None:
            if question.required and question.id not in problems:
                problems[question.id] = _("This question needs an answer.")
        else:
            kept[question.id] = cleaned[question.id]
    return kept, problems


def save_answers(registration: Registration, questions: list[Question], kept: dict[int, Any]) -> None:
    """Store the answers; an unchanged answer keeps the label it was given under, a new one takes today's label."""
    existing = {a.question_id: a for a in db.session.scalars(
        select(Answer).where(Answer.registration_id == registration.id))}
    for question in questions:
        answer = existing.get(question.id)
        if question.id not in kept:
            if answer is not None:
                db.session.delete(answer)
        elif answer is None:
            db.session.add(Answer(registration_id=registration.id, question_id=question.id,
                                  question_label=question.label, value={"value": kept[question.id]}))
        elif answer.value.get("value") != kept[question.id]:
            answer.value, answer.question_label = {"value": kept[question.id]}, question.label


def _meeting_of(question: Question) -> Meeting | None:
    return db.session.get(Meeting, question.meeting_id)  # from the session's identity map after the first


def display_value(value, question: Question | None = None) -> str:
    """An answer as a person reads it, in their language: a choice in the wording of the reader's language (the
    stored value is the default language's), a date and a list as the language writes them."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if question is not None and question.kind in (QuestionKind.single_choice, QuestionKind.multiple_choice):
        value = [localized_option(question, v, _meeting_of(question)).text for v in
                 (value if isinstance(value, list) else [value]) if v is not None]
    if isinstance(value, list):
        return format_list([str(v) for v in value], locale=get_locale() or "en") if value else ""
    if question is not None and question.kind == QuestionKind.date and value:
        try:
            return format_date(date.fromisoformat(value), "long")
        except (TypeError, ValueError):  # an answer kept from before the question became a date
            pass
    return "" if value is None else str(value)


def form_value(question: Question, value):
    """A stored answer as the form field expects it (an answer that no longer fits the question is left out)."""
    if question.kind == QuestionKind.yes_no:
        return {True: "yes", False: "no"}.get(value)
    if question.kind == QuestionKind.date:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            return None
    if question.kind == QuestionKind.multiple_choice:
        return value if isinstance(value, list) else None
    return value if isinstance(value, str) else None


def answers_for(registrations: Iterable[Registration]) -> dict[int, list[tuple[str, str]]]:
    """For exports and reports: registration id → [(question label as answered, display value)], in form order.

    Answers to archived questions are included: they were given and stay readable.
    """
    ids = [r.id for r in registrations]
    result: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = db.session.execute(
        select(Answer.registration_id, Answer.question_label, Answer.value, Question)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.registration_id.in_(ids))
        .order_by(Answer.registration_id, Question.position, Question.id)
    )
    for registration_id, label, value, question in rows:
        # the label as answered; the question's translation while its wording is still the one answered
        if label == question.label:
            label = localized(question, "label", _meeting_of(question)).text
        result[registration_id].append((label, display_value((value or {}).get("value"), question)))
    return result


def answer_values(registration: Registration) -> dict[int, Any]:
    """question id → stored value, to prefill the edit form."""
    rows = db.session.execute(select(Answer.question_id, Answer.value).where(Answer.registration_id == registration.id))
    return {qid: (value or {}).get("value") for qid, value in rows}


CHOICE_KINDS = (QuestionKind.single_choice, QuestionKind.multiple_choice)


def _check_question(meeting: Meeting, question: Question, data: dict) -> dict:
    problems: list[str] = []
    kind = clean_enum(QuestionKind, data.get("kind"), "kind", problems)
    label = clean_text(data.get("label"), "label", problems, model=Question, required=True)
    options = _lines(data.get("options"))
    label_i18n = {lang: clean_text(text, "label", problems, model=Question)
                  for lang, text in (data.get("label_i18n") or {}).items()}
    options_i18n = {lang: _lines(lines) for lang, lines in (data.get("options_i18n") or {}).items()}
    if kind in CHOICE_KINDS:
        if len(options) < 2:
            problems.append(_("A choice question needs at least two options."))
        if len(set(options)) != len(options):
            problems.append(_("Each option may appear only once."))
        if len(options) > 50 or any(len(o) > 200 or has_control_characters(o)
                                    for o in [*options, *(o for lines in options_i18n.values() for o in lines)]):
            problems.append(_("Use at most 50 options of up to 200 characters each."))
        for lang, lines in options_i18n.items():
            if lines and len(lines) != len(options):
                problems.append(_("%(language)s: give the options in the same order and number as in %(default)s "
                                  "(%(n)s), or none to show those.", language=language_label(lang),
                                  default=language_label(meeting.default_language), n=len(options)))
    else:
        options, options_i18n = [], {}
    parent_id = data.get("shown_if_question_id") or None
    value = (data.get("shown_if_value") or "").strip() or None
    if parent_id is not None:
        _check_condition(meeting, question, parent_id, value, problems)
    if problems:
        raise ValidationFailed(_("The question has problems; nothing was saved."), problems=problems)
    return dict(kind=kind, label=label, options=options, label_i18n=label_i18n, options_i18n=options_i18n,
                required=bool(data.get("required")),
                position=int(data.get("position") or 0), shown_if_question_id=parent_id,
                shown_if_value=value if parent_id else None)


def _lines(lines) -> list[str]:
    return [line.strip() for line in lines or [] if line and line.strip()]


def _store(question: Question, meeting: Meeting, values: dict) -> None:
    """The checked values onto the question; translations given replace those stored, an empty one is removed."""
    language = meeting.default_language
    label_i18n, options_i18n = values.pop("label_i18n"), values.pop("options_i18n")
    for name, value in values.items():
        setattr(question, name, value)
    set_texts(question, "label", {language: values["label"], **label_i18n}, column_language=language,
              default_language=language)
    merged = dict(question.options_i18n or {}) | options_i18n
    question.options_i18n = {lang: lines for lang, lines in sorted(merged.items()) if lines}


def follow_default_language(meeting: Meeting, old: str, new: str) -> None:
    """The meeting's default language changed: labels take the new default's text where there is one, and so do
    options, unless someone answered already (answers store the options' wording, which must stay)."""
    for question in list_questions(meeting, include_archived=True):
        change_default_language(question, "label", old, new)
        translated = (question.options_i18n or {}).get(new)
        if translated and len(translated) == len(question.options) and not count_answers(question):
            others = {lang: lines for lang, lines in question.options_i18n.items() if lang != new}
            question.options, question.options_i18n = list(translated), others | {old: list(question.options)}


def label_texts(question: Question, meeting: Meeting) -> dict[str, str]:
    """The question's label in every language (for the form)."""
    return texts_of(question, "label", meeting.default_language)


def option_texts(question: Question, meeting: Meeting) -> dict[str, str]:
    """The options one per line in every language (for the form)."""
    return {meeting.default_language: "\n".join(question.options)} | {
        lang: "\n".join(lines) for lang, lines in (question.options_i18n or {}).items()}


def _check_condition(meeting: Meeting, question: Question, parent_id: int, value: str | None, problems: list):
    parent = db.session.get(Question, parent_id)
    if parent is None or parent.meeting_id != meeting.id or parent.archived:
        problems.append(_("The question this one depends on is not a current question of this meeting."))
        return
    seen, cursor = {question.id}, parent
    while cursor is not None:  # a chain of conditions must not loop back to this question
        if cursor.id in seen:
            problems.append(_("This condition would make the questions depend on each other in a circle."))
            return
        seen.add(cursor.id)
        cursor = db.session.get(Question, cursor.shown_if_question_id) if cursor.shown_if_question_id else None
    if not value:
        problems.append(_("Give the answer that shows this question."))
    elif parent.kind in CHOICE_KINDS and value not in parent.options:
        problems.append(_("The answer that shows this question must be one of that question's options."))
    elif parent.kind == QuestionKind.yes_no and value not in ("yes", "no"):
        problems.append(_("For a yes/no question, the answer that shows this question is “yes” or “no”."))
    elif len(value) > 200:
        problems.append(_("The answer that shows this question is longer than 200 characters."))


def create_question(meeting: Meeting, data: dict, *, actor) -> Question:
    """Add a question to a meeting's registration form."""
    question = Question(meeting_id=meeting.id)
    _store(question, meeting, _check_question(meeting, question, data))
    db.session.add(question)
    db.session.flush()
    record("question.create", actor=actor, meeting=meeting, subject=question)
    return question


def update_question(question: Question, data: dict, *, actor) -> Question:
    """Change a question; answers already given keep the label and values they were given with."""
    meeting = db.session.get(Meeting, question.meeting_id)
    _store(question, meeting, _check_question(meeting, question, data))
    record("question.update", actor=actor, meeting=meeting, subject=question)
    return question


def set_question_archived(question: Question, archived: bool, *, actor) -> Question:
    """Archive a question (it leaves the form; its answers stay) or bring it back."""
    question.archived = archived
    record("question.archive" if archived else "question.restore", actor=actor,
           meeting=db.session.get(Meeting, question.meeting_id), subject=question)
    return question


def count_answers(question: Question) -> int:
    """How many registrations answered the question."""
    return db.session.scalar(select(db.func.count(Answer.id)).where(Answer.question_id == question.id)) or 0

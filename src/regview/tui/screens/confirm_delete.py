"""``D`` (with ``--allow-delete``): are you sure? Names the digest and every tag that goes,
and what stays behind: the artifacts that refer to it, an index's child manifests (the
lines ``regview delete`` prints, from :mod:`regview.delete_text`).

When something refers to the manifest, ``r`` deletes those referrers first (the plan's
``--with-referrers`` order, listed on the screen), then the manifest.

The screen only asks: it dismisses with the plan to carry out (``y``; ``r``: the plan
including the referrers) or None (``n``, Esc), and the explorer deletes; a question too
long for the terminal scrolls. Names, tags and artifact types come from the registry,
so they are shown as text, never read as markup.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from regview.delete_text import deletion_order, left_behind
from regview.registry import DeletePlan
from regview.tui.bindings import CONFIRM_DELETE_BINDINGS
from regview.tui.text import human_size, literal

__all__ = ["ConfirmDeleteScreen", "plan_text"]

#: Tags listed by name on the screen; the rest are counted.
SHOWN_TAGS = 30


def plan_text(plan: DeletePlan) -> Text:
    """What deleting ``plan`` removes, for the screen."""
    text = Text()
    text.append("Delete this manifest from ", style="bold")
    text.append_text(literal(plan.registry, limit=100, style="bold"))
    text.append("?\n\n", style="bold")
    text.append("repository  ", style="dim")
    text.append_text(literal(plan.repository, limit=200))
    text.append("\ntype        ", style="dim")
    text.append_text(literal(plan.media_type, limit=100))
    text.append("\nsize        ", style="dim")
    text.append(human_size(plan.size))
    text.append("\ndigest\n", style="dim")
    text.append(plan.digest, style="cyan")
    text.append("\n\n")
    tags = plan.tags
    if not tags:
        text.append("No tag points to this manifest.")
    else:
        others = plan.other_tags
        if others:
            text.append(
                f"These {len(tags):,} tags all point to it and are deleted with it:\n",
                style="bold red",
            )
        else:
            text.append("This tag points to it and is deleted with it:\n", style="bold")
        for i, tag in enumerate(tags[:SHOWN_TAGS]):
            if i:
                text.append(", ")
            text.append_text(literal(tag, limit=100, style="yellow"))
        if len(tags) > SHOWN_TAGS:
            text.append(f" and {len(tags) - SHOWN_TAGS:,} more")
    for i, line in enumerate(left_behind(plan)):
        text.append("\n" if i else "\n\n")
        text.append_text(literal(line, limit=0, style="yellow"))
    if plan.referrer_deletes:
        with_them = plan.including_referrers()
        text.append(
            f"\n\nr deletes these {len(with_them.deletes):,} manifests instead, in this order:",
            style="bold",
        )
        for line in deletion_order(with_them):
            text.append("\n")
            text.append_text(literal(line, limit=0))
        for line in with_them.referrer_notes:
            text.append("\n")
            text.append_text(literal(line, limit=0, style="yellow"))
    text.append(
        "\n\nThe registry deletes the manifest by digest; this cannot be undone.", style="dim"
    )
    return text


class ConfirmDeleteScreen(ModalScreen[DeletePlan | None]):
    """Asks before a manifest (and its tags) is deleted: ``y`` deletes, ``r`` with its
    referrers (when there are any), ``n``/Esc not."""

    BINDINGS: ClassVar[list[BindingType]] = list(CONFIRM_DELETE_BINDINGS)

    def __init__(self, plan: DeletePlan) -> None:
        super().__init__()
        self.plan = plan

    def compose(self) -> ComposeResult:
        # Scrolls (arrows, PgUp/PgDn) when what is left behind does not fit.
        with VerticalScroll(id="delete-body") as body:
            body.border_title = "Delete?"
            n = len(self.plan.referrer_deletes)
            body.border_subtitle = (
                f"y deletes · r with its {n:,} referrer manifest{'s' if n != 1 else ''} · "
                "n or Esc keeps it"
                if n
                else "y deletes · n or Esc keeps it"
            )
            yield Static(plan_text(self.plan), id="delete-text")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm_with_referrers":
            return bool(self.plan.referrer_deletes)
        return True

    def action_confirm(self) -> None:
        self.dismiss(self.plan)

    def action_confirm_with_referrers(self) -> None:
        if self.plan.referrer_deletes:
            self.dismiss(self.plan.including_referrers())

    def action_cancel(self) -> None:
        self.dismiss(None)

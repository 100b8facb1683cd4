from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.moderation.models import Flag, Report, Status

MAX_RESTRICT_DAYS = 90


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you reporting this?"),
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Anything else moderators should know (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QueueFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=_("Show"),
        choices=[("flags", _("Flags")), ("reports", _("Reports"))],
        required=False,
    )
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, required=False)
    kind = forms.ChoiceField(
        label=_("Kind of flag"), choices=[("", _("Any")), *Flag.Kind.choices], required=False
    )
    reason = forms.ChoiceField(
        label=_("Reason reported"),
        choices=[("", _("Any")), *Report.Reason.choices],
        required=False,
    )


class ReasonForm(forms.Form):
    """Why, for the audit log: every moderation action asks."""

    reason = forms.CharField(
        label=_("Reason (kept in the audit log)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ActionForm(ReasonForm):
    """What a moderator does about one flag or report, and why."""

    ACTIONS = [
        ("dismiss", _("Dismiss: nothing wrong")),
        ("void_photo", _("Void their likes on this photo")),
        ("void_all", _("Void all their likes")),
        ("warn", _("Warn them")),
        ("restrict", _("Restrict their likes")),
        ("suspend", _("Suspend the account")),
        ("restore", _("Restore the account")),
        ("hide", _("Hide the photo")),
        ("unhide", _("Show the photo again")),
    ]
    PHOTO_ACTIONS = {"void_photo", "hide", "unhide"}

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS, widget=forms.RadioSelect)
    days = forms.IntegerField(
        label=_("Restrict for how many days"),
        min_value=1,
        max_value=MAX_RESTRICT_DAYS,
        initial=7,
        required=False,
    )

    field_order = ["action", "days", "reason"]

    def __init__(self, *args, item: Flag | Report, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if item.photo_id is None:
            self.fields["action"].choices = [
                choice for choice in self.ACTIONS if choice[0] not in self.PHOTO_ACTIONS
            ]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == "restrict" and not data.get("days"):
            self.add_error("days", _("Say for how many days."))
        return data

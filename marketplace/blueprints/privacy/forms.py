"""The forms of the My data page and the staff deletion queue."""

from __future__ import annotations

from flask_login import current_user
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from marketplace.core.forms import Form


class DeletionRequestForm(Form):
    """The person types their own e-mail address: it works for every account, those that
    sign in through the campus (no password here) included, and cannot be done by a
    stray click."""

    confirm = StringField("Type your e-mail address to confirm", validators=[
        DataRequired(message="Type your e-mail address to confirm.")])
    note = TextAreaField("Anything career staff should know (optional)",
                         validators=[Optional(), Length(max=2000)])

    def validate_confirm(self, field) -> None:
        if (field.data or "").strip().lower() != current_user.email.lower():
            raise ValidationError("This is not the e-mail address of your account.")


class WithdrawForm(Form):
    """Only the CSRF token: taking back a request needs no more."""


class CarryOutForm(Form):
    """Only the CSRF token; the page asks the browser to confirm first."""


class DeclineForm(Form):
    reason = TextAreaField("Reason (sent to the person)", validators=[
        DataRequired(message="Say why, for the person."), Length(max=2000)])

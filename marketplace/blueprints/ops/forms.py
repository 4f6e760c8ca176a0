"""marketplace.blueprints.ops.forms."""

from __future__ import annotations

from wtforms import (
    HiddenField,
)
from wtforms.validators import DataRequired, Length

from marketplace.core.forms import Form


class RetryJobForm(Form):
    job_id = HiddenField(validators=[DataRequired(), Length(max=200)])

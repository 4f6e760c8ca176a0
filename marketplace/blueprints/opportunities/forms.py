from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..fields import Form


class SaveForm(Form):
    """Save or unsave a posting: only the CSRF token."""


class ApplicationForm(Form):
    cover_letter = TextAreaField(
        "Cover letter", validators=[DataRequired(message="Write a few lines about why you are "
                                                         "interested."), Length(max=10_000)],
        description="Why this opportunity, and what you would bring. A few paragraphs is plenty.")
    resume = FileField("Resume (PDF, at most 5 MB)",
                       validators=[FileRequired(message="Attach your resume as a PDF.")])

"""marketplace.blueprints.accounts.forms."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from marketplace.blueprints.accounts import hooks
from marketplace.blueprints.accounts.models import OrganizationType
from marketplace.blueprints.accounts.services import (
    LANGUAGES,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    date_of_birth_problem,
)
from marketplace.core.forms import (
    Form,
    KeptPasswordField,
    TriStateField,
    WebsiteField,
    clusters_field,
    graduation_year_validators,
    time_zone_field,
    website_validators,
)
from marketplace.core.policies import Role
from marketplace.core.reference import cluster_choices

EMAIL_VALIDATORS = [
    DataRequired(message="Enter your e-mail address."),
    Length(max=254),
    Email(message="Enter a valid e-mail address, like name@example.org.",
          check_deliverability=False),
]


def new_password_field(label: str = "Password") -> PasswordField:
    return KeptPasswordField(
        label,
        validators=[
            DataRequired(message="Choose a password."),
            Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                   message=f"Use {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters. "
                           "A few unrelated words make a good password."),
        ],
        description=f"At least {MIN_PASSWORD_LENGTH} characters; long passphrases are welcome.",
    )


def confirm_field(other: str = "password") -> PasswordField:
    return KeptPasswordField("Repeat the password", validators=[
        DataRequired(message="Repeat the password."),
        EqualTo(other, message="The two passwords are not the same."),
    ])


class LoginForm(Form):
    email = EmailField("E-mail", validators=[DataRequired(message="Enter your e-mail address."),
                                             Length(max=254)])
    password = PasswordField("Password", validators=[
        DataRequired(message="Enter your password."), Length(max=MAX_PASSWORD_LENGTH)])


class _AccountFields(Form):
    name = StringField("Full name", validators=[
        DataRequired(message="Enter your name."), Length(max=120)])
    email = EmailField("E-mail", validators=EMAIL_VALIDATORS)
    password = new_password_field()
    confirm = confirm_field()


class StudentDetailsForm(Form):
    """A student's profile fields: asked at registration, edited on the profile page."""

    graduation_year = IntegerField(
        "Expected graduation year",
        validators=[InputRequired(message="Enter your expected graduation year."),
                    *graduation_year_validators(student=True)])
    major = StringField("Major or program", validators=[Optional(), Length(max=120)])
    clusters = clusters_field()
    first_generation = TriStateField(
        "Are you the first in your family to go to college?",
        description="Optional. Used only in anonymous reports, so the career center can see "
                    "who it is not reaching yet.")
    pell_eligible = TriStateField("Are you eligible for a Pell grant?",
                                  description="Optional, and used the same way.")
    time_zone = time_zone_field()


class StudentRegistrationForm(_AccountFields, StudentDetailsForm):
    pass


class EmployerRegistrationForm(_AccountFields):
    organization_name = StringField("Organization name", validators=[
        DataRequired(message="Enter your organization's name."), Length(max=200)])
    organization_type = SelectField(
        "Type of organization",
        choices=[(t.value, t.value.capitalize()) for t in OrganizationType])
    website = WebsiteField("Website", validators=website_validators())


class AlumniDetailsForm(Form):
    """An alum's profile fields: asked at registration, edited on the profile page."""

    graduation_year = IntegerField(
        "Graduation year",
        validators=[Optional(), *graduation_year_validators(student=False)])
    employer = StringField("Current employer", validators=[Optional(), Length(max=200)])
    title = StringField("Job title", validators=[Optional(), Length(max=200)])
    cluster = SelectField("Career cluster you work in",
                          choices=[("", "Choose one")] + cluster_choices(),
                          validators=[Optional()])
    time_zone = time_zone_field()


class AlumniRegistrationForm(_AccountFields, AlumniDetailsForm):
    pass


class PasswordChangeForm(Form):
    current_password = PasswordField("Current password", validators=[
        DataRequired(message="Enter your current password."), Length(max=MAX_PASSWORD_LENGTH)])
    password = new_password_field("New password")
    confirm = confirm_field()

    def validate_password(self, field):
        if field.data and field.data == self.current_password.data:
            raise ValidationError("Choose a password different from the current one.")


class AlumniProfileForm(AlumniDetailsForm):
    name = StringField("Full name", validators=[
        DataRequired(message="Enter your name."), Length(max=120)])


class OrganizationForm(Form):
    contact_name = StringField("Your name", validators=[
        DataRequired(message="Enter your name."), Length(max=120)])
    name = StringField("Organization name", validators=[
        DataRequired(message="Enter the organization's name."), Length(max=200)])
    type = SelectField("Type of organization",
                       choices=[(t.value, t.value.capitalize()) for t in OrganizationType])
    website = WebsiteField("Website", validators=website_validators())


class CreateUserForm(Form):
    name = StringField("Full name", validators=[
        DataRequired(message="Enter the person's name."), Length(max=120)])
    email = EmailField("E-mail", validators=EMAIL_VALIDATORS)
    role = SelectField("Role", choices=[(r.value, r.label) for r in Role], default="staff")
    organization = StringField(
        "Organization (employers only)", validators=[Optional(), Length(max=200)],
        description="An existing organization's exact name, or a new one (created verified).")
    password = new_password_field("Temporary password")

    def validate_organization(self, field):
        if self.role.data == Role.EMPLOYER.value and not (field.data or "").strip():
            raise ValidationError("An employer needs an organization.")


class OrganizationDecisionForm(Form):
    reason = StringField("Reason", validators=[Optional(), Length(max=500)])


class StudentProfileForm(StudentDetailsForm):
    name = StringField("Full name", validators=[
        DataRequired(message="Enter your name."), Length(max=120)])
    personal_email = EmailField(
        "Personal e-mail (optional)",
        validators=[Optional(), Length(max=254),
                    Email(message="Enter a valid e-mail address, like name@example.org.",
                          check_deliverability=False)],
        description="Not your school address: the one you will keep. When you graduate, your "
                    "account becomes an alum account that signs in with it, with your "
                    "history and outcomes kept.")
    date_of_birth = DateField(
        "Date of birth (optional)", validators=[Optional()],
        invalid_value_message="Enter a date like 2009-05-31.",
        description="Students under 18 need a parent's or guardian's consent before a "
                    "placement starts.")
    school_id = SelectField("Your school", coerce=lambda v: int(v) if v else None,
                            choices=[], validate_choice=False)
    cte_concentrator = BooleanField("I am a CTE concentrator")
    guardian_email = EmailField(
        "Parent's or guardian's e-mail (optional)",
        validators=[Optional(), Length(max=254),
                    Email(message="Enter a valid e-mail address, like name@example.org.",
                          check_deliverability=False)],
        description="Where we ask for consent before a placement starts, while you are "
                    "under 18.")
    preferred_language = SelectField("Language for your parent or guardian",
                                     choices=list(LANGUAGES.items()), default="en")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        schools = [pair for answer in hooks.school_choices.results() for pair in answer]
        self.school_id.choices = [("", "Choose your school")] + [
            (str(school_id), name) for school_id, name in schools]
        self.has_schools = bool(schools)
        # Once set, the school is shown, not asked (``update_student_profile``).
        profile = kwargs.get("obj")
        chosen = getattr(profile, "school_id", None)
        self.school_fixed = dict(schools).get(chosen) if chosen is not None else None

    def validate_date_of_birth(self, field) -> None:
        if field.data is not None:
            problem = date_of_birth_problem(field.data)
            if problem:
                raise ValidationError(problem)

    def validate_school_id(self, field) -> None:
        if field.data is not None and field.data not in {
                int(value) for value, _ in self.school_id.choices if value}:
            raise ValidationError("Choose one of the district's schools.")


class GraduationForm(Form):
    graduation_year = IntegerField("Graduating class", validators=[
        InputRequired(message="Choose the class that graduated."),
        *graduation_year_validators(student=True)])


class TokenForm(Form):
    name = StringField("What it is for", default="API token", validators=[
        DataRequired(message="Name the token, e.g. “Reporting script”."), Length(max=80)])
    days = IntegerField("Works for (days)", default=90, validators=[
        InputRequired(message="Say how many days the token works."),
        NumberRange(min=1, max=365, message="From 1 to 365 days.")])


class RevokeTokenForm(Form):
    """Only the CSRF token: which token is in the URL."""


class ResetRequestForm(Form):
    email = EmailField("E-mail", validators=EMAIL_VALIDATORS)


class ResetPasswordForm(Form):
    password = new_password_field("New password")
    confirm = confirm_field()


class EndSessionForm(Form):
    """The CSRF token behind each "End" / "Sign out everywhere else" button."""


class ResendVerificationForm(Form):
    """The CSRF token behind "Send the link again"."""

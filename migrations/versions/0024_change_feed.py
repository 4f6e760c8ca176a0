"""change feed: committed changes are announced on the channel cc_changes (PostgreSQL
only), so that each worker can keep what it read until it changes

Revision ID: 0024_change_feed
Revises: 0023_opportunity_school
Create Date: 2026-12-09 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024_change_feed'
down_revision = '0023_opportunity_school'
branch_labels = None
depends_on = None

# What a person's own pages read, by the column naming the person: a change to any of
# these rows is announced as "user:<id>" (marketplace.core.changes).
PERSON_TABLES = {
    "user_account": "id",
    "user_session": "user_id",
    "student_profile": "user_id",
    "alumni_profile": "user_id",
    "student_cluster": "user_id",
    "school_staff": "user_id",
    "external_identity": "user_id",
    "notification": "user_id",
    "saved_opportunity": "user_id",
    "application": "student_id",
    "placement": "student_id",
    "booking": "student_id",
    "event_registration": "student_id",
    "outcome_evidence": "student_id",
    "student_attainment": "student_id",
    "staff_record": "student_id",
    "career_plan": "student_id",
    "document_submission": "student_id",
    "first_destination": "student_id",
    "credential": "student_id",
}
# What many people's pages read: a change announces the topic alone, once per statement.
SHARED_TABLES = {
    "mentoring_slot": "mentoring",
    "booking": "mentoring",
    "alumni_profile": "mentoring",
    "outcome_rule": "rules",
    # A posting's page names the schools it is open to.
    "school": "catalog",
}
# An alum is shown to students as a mentor by name, while active: a change to either is
# theirs and also everyone's (not their sign-ins, which change other columns).
ALUM_SHOWN = """
CREATE TRIGGER user_account_announce_mentor AFTER UPDATE ON user_account
FOR EACH ROW WHEN (OLD.role = 'alumni' AND (OLD.name IS DISTINCT FROM NEW.name
                   OR OLD.active IS DISTINCT FROM NEW.active
                   OR OLD.erased_at IS DISTINCT FROM NEW.erased_at
                   OR OLD.role IS DISTINCT FROM NEW.role))
EXECUTE FUNCTION announce_change('mentoring')"""
CATALOG_TABLES = ("opportunity", "organization", "opportunity_school")

FUNCTIONS = [
    # 0008's bump, now also announced (delivered when the transaction commits).
    """
CREATE OR REPLACE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
    PERFORM pg_notify('cc_changes', 'catalog');
    RETURN NULL;
END
$$
""",
    # The person named by the column TG_ARGV[0], before and after. PostgreSQL sends one
    # notification per distinct topic per transaction, however many rows change.
    """
CREATE FUNCTION announce_person_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before text;
    after text;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        before := to_jsonb(OLD) ->> TG_ARGV[0];
    END IF;
    IF TG_OP <> 'DELETE' THEN
        after := to_jsonb(NEW) ->> TG_ARGV[0];
    END IF;
    IF before IS NOT NULL THEN
        PERFORM pg_notify('cc_changes', 'user:' || before);
    END IF;
    IF after IS NOT NULL AND after IS DISTINCT FROM before THEN
        PERFORM pg_notify('cc_changes', 'user:' || after);
    END IF;
    RETURN NULL;
END
$$
""",
    """
CREATE FUNCTION announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cc_changes', TG_ARGV[0]);
    RETURN NULL;
END
$$
""",
]


def _tables() -> set[str]:
    return {*PERSON_TABLES, *SHARED_TABLES, *CATALOG_TABLES}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # the feed is PostgreSQL's: on SQLite nothing is kept between requests
    for function in FUNCTIONS:
        op.execute(function)
    for table, column in PERSON_TABLES.items():
        op.execute(f"""
CREATE TRIGGER {table}_announce_person AFTER INSERT OR UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION announce_person_change('{column}')""")
    for table, topic in SHARED_TABLES.items():
        op.execute(f"""
CREATE TRIGGER {table}_announce_{topic} AFTER INSERT OR UPDATE OR DELETE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION announce_change('{topic}')""")
    op.execute(ALUM_SHOWN)
    # A table emptied at once fires no row trigger: everything kept is forgotten.
    for table in sorted(_tables()):
        op.execute(f"""
CREATE TRIGGER {table}_announce_truncate AFTER TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION announce_change('*')""")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS user_account_announce_mentor ON user_account")
    for table in sorted(_tables()):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_announce_truncate ON {table}")
    for table, topic in SHARED_TABLES.items():
        op.execute(f"DROP TRIGGER IF EXISTS {table}_announce_{topic} ON {table}")
    for table in PERSON_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_announce_person ON {table}")
    op.execute("DROP FUNCTION IF EXISTS announce_change()")
    op.execute("DROP FUNCTION IF EXISTS announce_person_change()")
    op.execute("""
CREATE OR REPLACE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$
""")

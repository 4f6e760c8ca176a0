"""A believable small campus for demos and manual testing (``seed-demo``).

Idempotent: every record is looked up by a natural key before it is added.
Later areas (opportunities, mentoring, placements) extend ``seed_demo``.
"""

from __future__ import annotations

import random

import sqlalchemy as sa

from .extensions import db
from .models import (
    AlumniProfile,
    Organization,
    OrganizationStatus,
    OrganizationType,
    Role,
    StudentProfile,
    User,
)
from .services.accounts import hash_password

DEMO_PASSWORD = "career-demo-2026"
DEMO_DOMAIN = "demo.edu"

STAFF = ("staff@demo.edu", "Dana Whitfield")
MAIN_STUDENT = ("student@demo.edu", "Maya Thompson")
MAIN_EMPLOYER = ("employer@demo.edu", "Luis Ortega")
MAIN_ALUM = ("alum@demo.edu", "Priya Raman")

ORGANIZATIONS = [
    ("Riverbend Health System", OrganizationType.NONPROFIT, "https://riverbendhealth.example",
     OrganizationStatus.VERIFIED),
    ("Northgate Robotics", OrganizationType.COMPANY, "https://northgate-robotics.example",
     OrganizationStatus.VERIFIED),
    ("Harborview Credit Union", OrganizationType.COMPANY, "https://harborviewcu.example",
     OrganizationStatus.VERIFIED),
    ("Cedar County Public Library", OrganizationType.GOVERNMENT, "https://cedarcountylib.example",
     OrganizationStatus.VERIFIED),
    ("Lakeside Community Food Bank", OrganizationType.NONPROFIT, "https://lakesidefood.example",
     OrganizationStatus.VERIFIED),
    ("Summit Ridge Unified School District", OrganizationType.SCHOOL, "https://srusd.example",
     OrganizationStatus.VERIFIED),
    ("BrightPath Solar Cooperative", OrganizationType.COMPANY, "https://brightpathsolar.example",
     OrganizationStatus.PENDING),
]

EMPLOYER_CONTACTS = [
    ("Luis Ortega", "Riverbend Health System"),
    ("Hannah Kim", "Northgate Robotics"),
    ("Marcus Bell", "Harborview Credit Union"),
    ("Grace Okafor", "Cedar County Public Library"),
    ("Tom Alvarez", "Lakeside Community Food Bank"),
    ("Renee Dubois", "Summit Ridge Unified School District"),
    ("Sam Whitaker", "BrightPath Solar Cooperative"),
]

MAJORS = {
    "Nursing": ["healthcare_human_services"],
    "Computer Science": ["digital_technology"],
    "Business Administration": ["management_entrepreneurship", "financial_services"],
    "Mechanical Engineering": ["advanced_manufacturing", "energy_natural_resources"],
    "Elementary Education": ["education"],
    "Graphic Design": ["arts_entertainment_design", "marketing_sales"],
    "Environmental Science": ["energy_natural_resources", "agriculture"],
    "Criminal Justice": ["public_service_safety"],
    "Hospitality Management": ["hospitality_events_tourism"],
    "Logistics": ["supply_chain_transportation"],
}

FIRST_NAMES = [
    "Aaliyah", "Ben", "Carmen", "Darius", "Elena", "Farah", "Gabriel", "Hana", "Isaac", "Jasmine",
    "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Paige", "Quinn", "Rosa", "Samir", "Tia", "Uriel",
    "Vanessa", "Wes", "Ximena", "Yusuf", "Zoe", "Andre", "Bianca", "Chen", "Destiny",
]
LAST_NAMES = [
    "Nguyen", "Garcia", "Johnson", "Patel", "Williams", "Martinez", "Brown", "Lee", "Davis",
    "Lopez", "Wilson", "Anderson", "Thomas", "Hernandez", "Moore", "Jackson", "Clark", "Lewis",
]

ALUMNI = [
    ("Priya Raman", 2016, "Riverbend Health System", "Nurse Manager", "healthcare_human_services"),
    ("Jordan Blake", 2012, "Northgate Robotics", "Controls Engineer", "advanced_manufacturing"),
    ("Alicia Romero", 2018, "Harborview Credit Union", "Financial Analyst", "financial_services"),
    ("Kevin Osei", 2015, "Cedar County", "Deputy Emergency Manager", "public_service_safety"),
    ("Mei Tanaka", 2020, "Lumen Software", "Software Engineer", "digital_technology"),
    ("Rafael Soto", 2010, "Soto & Daughters Construction", "Owner", "construction"),
    ("Imani Carter", 2019, "Summit Ridge USD", "4th Grade Teacher", "education"),
    ("Nora Lindqvist", 2014, "Evergreen Logistics", "Operations Lead",
     "supply_chain_transportation"),
]


def demo_logins() -> list[tuple[str, str]]:
    return [("staff", STAFF[0]), ("student", MAIN_STUDENT[0]), ("employer", MAIN_EMPLOYER[0]),
            ("alumni", MAIN_ALUM[0])]


def _email_for(name: str) -> str:
    first, last = name.lower().split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@{DEMO_DOMAIN}"


def seed_demo(only_if_empty: bool = False) -> bool:
    """Add the demo campus. Flushes; safe to rerun (adds only what is missing).

    Returns True when anything was added.
    """
    if only_if_empty and db.session.scalar(sa.select(sa.func.count(User.id))):
        return False
    rng = random.Random(2026)
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: all demo users share the password
    existing = set(db.session.scalars(sa.select(User.email)))
    added = False

    def add_user(email: str, name: str, role: Role, **fields) -> User | None:
        nonlocal added
        if email in existing:
            return None
        user = User(email=email, name=name, role=role, password_hash=password_hash, **fields)
        db.session.add(user)
        existing.add(email)
        added = True
        return user

    add_user(STAFF[0], STAFF[1], Role.STAFF)

    organizations = {o.name: o for o in db.session.scalars(sa.select(Organization))}
    for name, org_type, website, status in ORGANIZATIONS:
        if name not in organizations:
            organizations[name] = Organization(name=name, type=org_type, website=website,
                                               status=status)
            db.session.add(organizations[name])
            added = True
    for index, (contact, org_name) in enumerate(EMPLOYER_CONTACTS):
        email = MAIN_EMPLOYER[0] if index == 0 else _email_for(contact)
        add_user(email, contact, Role.EMPLOYER, organization=organizations[org_name])

    for index, (name, year, employer, title, cluster) in enumerate(ALUMNI):
        email = MAIN_ALUM[0] if index == 0 else _email_for(name)
        user = add_user(email, name, Role.ALUMNI)
        if user:
            user.alumni_profile = AlumniProfile(
                graduation_year=year, employer=employer, title=title, cluster=cluster,
                time_zone=rng.choice(["America/New_York", "America/Chicago",
                                      "America/Los_Angeles"]),
            )

    majors = list(MAJORS)
    for index in range(48):
        if index == 0:
            email, name = MAIN_STUDENT
            major, year, first_gen, pell = "Nursing", 2027, True, True
        else:
            name = f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {LAST_NAMES[index % len(LAST_NAMES)]}"
            email = _email_for(name) if index < len(FIRST_NAMES) else \
                f"student{index:03d}@{DEMO_DOMAIN}"
            major = majors[index % len(majors)]
            year = 2026 + index % 4
            first_gen = rng.random() < 0.35 if rng.random() < 0.9 else None
            pell = rng.random() < 0.3 if rng.random() < 0.9 else None
        user = add_user(email, name, Role.STUDENT)
        if user:
            profile = StudentProfile(graduation_year=year, major=major,
                                     first_generation=first_gen, pell_eligible=pell,
                                     time_zone="America/New_York")
            user.student_profile = profile
            profile.clusters = MAJORS[major]
    db.session.flush()
    added = seed_postings(rng) or added
    added = seed_applications(rng) or added
    added = seed_mentoring(rng) or added
    added = seed_outcomes(rng, password_hash) or added
    return added


POSTINGS = [
    # (organization, title, kind, cluster, mode, location, paid, pay, description)
    ("Riverbend Health System", "Patient Care Technician Intern", "internship",
     "healthcare_human_services", "onsite", "Riverbend, OH", True, 17,
     "Work beside nurses on a medical-surgical floor: vital signs, patient mobility and "
     "charting. Includes CPR certification and a mentor nurse for the whole summer."),
    ("Riverbend Health System", "Health Informatics Micro-Internship", "micro_internship",
     "healthcare_human_services", "remote", "", True, 22,
     "A 40-hour project cleaning and charting emergency department wait-time data in "
     "spreadsheets, then presenting three findings to the quality team."),
    ("Riverbend Health System", "Shadow a Physical Therapist", "job_shadow",
     "healthcare_human_services", "onsite", "Riverbend, OH", False, None,
     "Spend a day with our outpatient rehabilitation team and see how therapists plan "
     "recovery after surgery and sports injuries."),
    ("Northgate Robotics", "Manufacturing Engineering Intern", "internship",
     "advanced_manufacturing", "onsite", "Dayton, OH", True, 21,
     "Help our engineers improve a robotic welding cell: measure cycle times, document "
     "fixtures in CAD and run small experiments on the line."),
    ("Northgate Robotics", "CNC Machinist Apprenticeship", "apprenticeship",
     "advanced_manufacturing", "onsite", "Dayton, OH", True, 19,
     "A two-year registered apprenticeship: paid training on CNC mills and lathes, blueprint "
     "reading and quality inspection, with college credit toward an associate degree."),
    ("Northgate Robotics", "Embedded Software Intern", "internship", "digital_technology",
     "hybrid", "Dayton, OH", True, 24,
     "Write and test C code for the motor controllers in our collaborative robots. Git, code "
     "review and a hardware lab included."),
    ("Northgate Robotics", "Shadow a Controls Engineer", "job_shadow", "advanced_manufacturing",
     "onsite", "Dayton, OH", False, None,
     "Follow a controls engineer through PLC troubleshooting and a design review."),
    ("Harborview Credit Union", "Member Services Intern", "internship", "financial_services",
     "onsite", "Columbus, OH", True, 16,
     "Help members open accounts and understand budgeting tools. Learn the basics of "
     "consumer lending and financial coaching."),
    ("Harborview Credit Union", "Data Analytics Micro-Internship", "micro_internship",
     "financial_services", "remote", "", True, 20,
     "Build a dashboard of branch traffic and loan applications from anonymized data in "
     "Python or Excel, in about 30 hours over three weeks."),
    ("Harborview Credit Union", "Marketing and Social Media Intern", "internship",
     "marketing_sales", "hybrid", "Columbus, OH", True, 16,
     "Plan a financial literacy campaign for first-year college students: short videos, "
     "posts and a campus event."),
    ("Cedar County Public Library", "Digital Literacy Tutor", "internship", "education",
     "onsite", "Cedar Falls, OH", True, 15,
     "Teach adults to use e-mail, online job applications and telehealth in small classes."),
    ("Cedar County Public Library", "Archives and Local History Micro-Internship",
     "micro_internship", "arts_entertainment_design", "hybrid", "Cedar Falls, OH", True, 15,
     "Digitize and describe photographs from the county's 1930s flood for an online exhibit."),
    ("Cedar County Public Library", "Shadow a Children's Librarian", "job_shadow", "education",
     "onsite", "Cedar Falls, OH", False, None,
     "Story time, reading programs and how a public library serves families."),
    ("Lakeside Community Food Bank", "Logistics and Warehouse Intern", "internship",
     "supply_chain_transportation", "onsite", "Lakeside, OH", True, 15,
     "Plan delivery routes to 40 pantries and help run inventory in our warehouse."),
    ("Lakeside Community Food Bank", "Grant Writing Micro-Internship", "micro_internship",
     "management_entrepreneurship", "remote", "", True, 18,
     "Research funders and draft two grant proposals with our development director."),
    ("Lakeside Community Food Bank", "Community Nutrition Volunteer Shadow", "job_shadow",
     "healthcare_human_services", "onsite", "Lakeside, OH", False, None,
     "Join our dietitian at a mobile pantry and a cooking class for families."),
    ("Summit Ridge Unified School District", "Classroom Aide Internship", "internship",
     "education", "onsite", "Summit Ridge, OH", True, 15,
     "Support a 3rd-grade teacher with reading groups and classroom routines."),
    ("Summit Ridge Unified School District", "IT Help Desk Intern", "internship",
     "digital_technology", "onsite", "Summit Ridge, OH", True, 17,
     "Keep 2,000 student laptops running: tickets, imaging and Wi-Fi troubleshooting."),
    ("Summit Ridge Unified School District", "School Counseling Shadow", "job_shadow",
     "education", "onsite", "Summit Ridge, OH", False, None,
     "See how a high school counselor supports college and career planning."),
    ("Summit Ridge Unified School District", "Facilities and Energy Apprenticeship",
     "apprenticeship", "energy_natural_resources", "onsite", "Summit Ridge, OH", True, 18,
     "Learn HVAC maintenance and energy audits across 12 school buildings."),
    ("Harborview Credit Union", "Software Development Apprenticeship", "apprenticeship",
     "digital_technology", "hybrid", "Columbus, OH", True, 23,
     "Earn while you learn web development: Python, SQL and testing on our member portal."),
    ("Riverbend Health System", "Hospital Event and Volunteer Coordination Intern",
     "internship", "hospitality_events_tourism", "onsite", "Riverbend, OH", True, 16,
     "Organize our volunteer fair and a community health day for 1,000 visitors."),
    ("Northgate Robotics", "Supply Chain Analyst Intern", "internship",
     "supply_chain_transportation", "hybrid", "Dayton, OH", True, 20,
     "Track parts from 60 suppliers and find ways to shorten lead times."),
    ("Cedar County Public Library", "Public Safety Communications Shadow", "job_shadow",
     "public_service_safety", "onsite", "Cedar Falls, OH", False, None,
     "Visit the county 911 center with our partner and see emergency dispatch at work."),
    ("Lakeside Community Food Bank", "Urban Farm Intern", "internship", "agriculture",
     "onsite", "Lakeside, OH", True, 15,
     "Grow vegetables for our pantries on a two-acre urban farm; soil testing and irrigation."),
    ("Summit Ridge Unified School District", "Building Trades Shadow", "job_shadow",
     "construction", "onsite", "Summit Ridge, OH", False, None,
     "Tour the new middle school site with the district's construction manager."),
]

PENDING_POSTINGS = [
    ("Northgate Robotics", "Sales Development Intern", "internship", "marketing_sales",
     "remote", "", False, None,
     "Commission only role calling manufacturers to book demos. Flexible hours."),
    ("Harborview Credit Union", "Financial Coaching Micro-Internship", "micro_internship",
     "financial_services", "hybrid", "Columbus, OH", True, 18,
     "Help members set savings goals in one-on-one sessions, supervised by a certified coach."),
    ("Lakeside Community Food Bank", "Volunteer Program Assistant", "internship",
     "management_entrepreneurship", "onsite", "Lakeside, OH", True, 15,
     "Schedule 300 volunteers a month and survey them about their experience."),
]


def seed_postings(rng: random.Random) -> bool:
    """Published postings across clusters and kinds, and a few waiting for review."""
    from datetime import timedelta

    from .models import Opportunity, OpportunityKind, OpportunityStatus, WorkMode
    from .models.base import utcnow
    from .services.opportunities import institution_today, risk_flags

    organizations = {o.name: o for o in db.session.scalars(sa.select(Organization))}
    contacts = {u.organization_id: u for u in db.session.scalars(
        sa.select(User).where(User.role == Role.EMPLOYER))}
    existing = {(o.organization_id, o.title) for o in db.session.scalars(sa.select(Opportunity))}
    today = institution_today()
    added = False
    for index, entry in enumerate(POSTINGS + PENDING_POSTINGS):
        org_name, title, kind, cluster, mode, location, paid, pay, description = entry
        organization = organizations[org_name]
        if (organization.id, title) in existing:
            continue
        pending = index >= len(POSTINGS)
        opportunity = Opportunity(
            organization=organization, created_by=contacts.get(organization.id), title=title,
            kind=OpportunityKind(kind), career_cluster=cluster, work_mode=WorkMode(mode),
            location=location, paid=paid, pay_min=pay, pay_max=(pay + 3) if pay else None,
            pay_period="hour" if paid else None, description=description,
            hours_per_week=rng.choice([10, 15, 20, 40]) if kind != "job_shadow" else 6,
            start_date=today + timedelta(days=rng.randint(20, 90)),
            application_deadline=today + timedelta(days=rng.randint(7, 60)),
            positions=rng.choice([1, 1, 2, 3, 5]), skills=[],
            status=OpportunityStatus.PENDING_REVIEW if pending
            else OpportunityStatus.PUBLISHED)
        submitted = utcnow() - timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 23))
        opportunity.submitted_at = submitted
        if not pending:
            opportunity.published_at = submitted + timedelta(hours=rng.randint(2, 60))
            opportunity.decided_at = opportunity.published_at
        db.session.add(opportunity)
        opportunity.risk_flags = risk_flags(opportunity, opportunity.created_by)
        added = True
    db.session.flush()
    return added


def seed_applications(rng: random.Random) -> bool:
    """Applications in every state, a few completed placements and their evidence."""
    from datetime import timedelta

    from .models import (
        Application,
        ApplicationEvent,
        ApplicationStatus,
        Opportunity,
        OpportunityStatus,
        Placement,
        PlacementStatus,
        SourceKind,
    )
    from .models.base import utcnow
    from .services.outcomes import record_evidence

    postings = db.session.scalars(sa.select(Opportunity).where(
        Opportunity.status == OpportunityStatus.PUBLISHED).order_by(Opportunity.id)).all()
    students = db.session.scalars(sa.select(User).where(User.role == Role.STUDENT)
                                  .order_by(User.id).limit(24)).all()
    if not postings or not students:
        return False
    existing = set(db.session.execute(sa.select(Application.opportunity_id,
                                                Application.student_id)).all())
    path = {
        ApplicationStatus.SUBMITTED: [],
        ApplicationStatus.REVIEWING: [ApplicationStatus.REVIEWING],
        ApplicationStatus.INTERVIEWING: [ApplicationStatus.REVIEWING,
                                         ApplicationStatus.INTERVIEWING],
        ApplicationStatus.OFFERED: [ApplicationStatus.INTERVIEWING, ApplicationStatus.OFFERED],
        ApplicationStatus.HIRED: [ApplicationStatus.OFFERED, ApplicationStatus.HIRED],
        ApplicationStatus.OFFER_DECLINED: [ApplicationStatus.OFFERED,
                                           ApplicationStatus.OFFER_DECLINED],
        ApplicationStatus.DECLINED: [ApplicationStatus.REVIEWING, ApplicationStatus.DECLINED],
        ApplicationStatus.WITHDRAWN: [ApplicationStatus.WITHDRAWN],
    }
    statuses = list(path) + [ApplicationStatus.HIRED] * 4
    added = False
    for index, student in enumerate(students):
        status = statuses[index % len(statuses)]
        posting = postings[(index * 7) % len(postings)]
        if (posting.id, student.id) in existing:
            continue
        applied = utcnow() - timedelta(days=rng.randint(20, 80))
        application = Application(opportunity=posting, student=student, status=status,
                                  cover_letter="I would like to learn from your team and "
                                               "bring my coursework to real problems.",
                                  created_at=applied)
        application.events.append(ApplicationEvent(status=ApplicationStatus.SUBMITTED,
                                                   actor_id=student.id, created_at=applied))
        for step, moved in enumerate(path[status], start=1):
            actor = student.id if moved in (ApplicationStatus.HIRED,
                                            ApplicationStatus.OFFER_DECLINED,
                                            ApplicationStatus.WITHDRAWN) \
                else posting.created_by_id
            application.events.append(ApplicationEvent(
                status=moved, actor_id=actor, created_at=applied + timedelta(days=3 * step)))
        db.session.add(application)
        added = True
        if status is ApplicationStatus.HIRED:
            placement = Placement(application=application, student_id=student.id,
                                  opportunity_id=posting.id)
            db.session.add(placement)
            if index >= len(path):  # the extra hires finished their placements
                placement.status = PlacementStatus.COMPLETED
                placement.hours = float(rng.choice([40, 80, 120, 160]))
                placement.ratings = {"teamwork": rng.randint(3, 4),
                                     "professionalism": rng.randint(2, 4)}
                placement.completed_at = applied + timedelta(days=50)
                placement.completed_by_id = posting.created_by_id
                db.session.flush()
                for outcome in ("experiential_learning", "connections"):
                    record_evidence(student.id, outcome, SourceKind.PLACEMENT, placement.id,
                                    {"opportunity": posting.title,
                                     "organization": posting.organization.name,
                                     "hours": placement.hours},
                                    occurred_at=placement.completed_at)
    db.session.flush()
    return added


MENTORING_TOPICS = {
    "healthcare_human_services": "From nursing student to nurse manager",
    "advanced_manufacturing": "What controls engineers actually do",
    "financial_services": "Breaking into finance without a finance degree",
    "public_service_safety": "Careers in emergency management",
    "digital_technology": "Your first software job: résumé and interviews",
    "construction": "Running a family construction business",
    "education": "Is teaching for you? Ask a 4th grade teacher",
    "supply_chain_transportation": "Logistics careers, from dock to dashboard",
}


def seed_mentoring(rng: random.Random) -> bool:
    """Alumni slots across the coming weeks, some booked, some held and confirmed."""
    import uuid
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from .models import (
        Booking,
        BookingStatus,
        MentoringSlot,
        SlotMode,
        SourceKind,
    )
    from .models.base import utcnow
    from .services.mentoring import local_to_utc
    from .services.outcomes import record_evidence

    if db.session.scalar(sa.select(sa.func.count(MentoringSlot.id))):
        return False
    alumni = db.session.scalars(sa.select(User).where(User.role == Role.ALUMNI)
                                .order_by(User.id)).all()
    students = db.session.scalars(sa.select(User).where(User.role == Role.STUDENT)
                                  .order_by(User.id)).all()
    if not alumni or not students:
        return False
    now = utcnow()
    modes = [SlotMode.VIDEO, SlotMode.VIDEO, SlotMode.PHONE, SlotMode.IN_PERSON]
    student_turn = iter(students[1:] * 4)

    def add_slot(alum: User, start: datetime, capacity: int, series: str | None) -> MentoringSlot:
        profile = alum.alumni_profile
        mode = modes[alum.id % len(modes)]
        location = {SlotMode.VIDEO: f"https://meet.demo.edu/{profile.cluster[:8]}-{alum.id}",
                    SlotMode.PHONE: "The mentor calls you at the number in your booking",
                    SlotMode.IN_PERSON: "Career Center, Room 114"}[mode]
        slot = MentoringSlot(
            alumni_id=alum.id, starts_at=start, ends_at=start + timedelta(minutes=45),
            duration_minutes=45, time_zone=profile.time_zone, capacity=capacity, mode=mode,
            location=location, topic=MENTORING_TOPICS.get(profile.cluster, "Career questions"),
            career_cluster=profile.cluster, series_id=series, created_at=now - timedelta(days=30))
        db.session.add(slot)
        return slot

    def add_booking(slot: MentoringSlot, student: User, status: BookingStatus) -> Booking:
        booking = Booking(slot=slot, student_id=student.id, status=status,
                          agenda="I would like to hear how you got started.",
                          starts_at=slot.starts_at, ends_at=slot.ends_at,
                          created_at=slot.starts_at - timedelta(days=5))
        if status is not BookingStatus.CANCELLED:
            slot.booked_count += 1
        if status in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
            booking.completed_at = slot.ends_at
        db.session.add(booking)
        return booking

    completed = []
    for index, alum in enumerate(alumni):
        zone = alum.alumni_profile.time_zone
        today = now.astimezone(ZoneInfo(zone)).date()
        hour = time(12 + index % 6, 0 if index % 2 else 30)
        # A weekly series over the next four weeks; every other alum runs a group session.
        series = uuid.uuid4().hex
        upcoming = [add_slot(alum, local_to_utc(today + timedelta(days=3 + index % 4 + 7 * week),
                                                hour, zone), 3 if index % 2 else 1, series)
                    for week in range(4)]
        # Sessions in the past five weeks: two held, one waiting for the alum, two open.
        past = [add_slot(alum, local_to_utc(today - timedelta(days=7 * week + 2), hour, zone),
                         1, None) for week in range(0, 5)]
        db.session.flush()
        for slot in upcoming[:2]:
            add_booking(slot, next(student_turn), BookingStatus.BOOKED)
        for slot in past[1:3]:
            completed.append(add_booking(slot, next(student_turn), BookingStatus.COMPLETED))
        # The most recent one waits for the alum to confirm it.
        add_booking(past[0], students[0] if index == 0 else next(student_turn),
                    BookingStatus.BOOKED)
    main_student = students[0]
    # The demo student: one session booked, one held; another student missed two.
    first_free = db.session.scalars(sa.select(MentoringSlot).where(
        MentoringSlot.starts_at > now, MentoringSlot.booked_count == 0,
        MentoringSlot.alumni_id != alumni[0].id).order_by(MentoringSlot.starts_at)).first()
    if first_free is not None:
        add_booking(first_free, main_student, BookingStatus.BOOKED)
    past_slots = db.session.scalars(sa.select(MentoringSlot).where(
        MentoringSlot.starts_at < now, MentoringSlot.booked_count == 0)
        .order_by(MentoringSlot.starts_at)).all()
    if past_slots:
        completed.append(add_booking(past_slots[0], main_student, BookingStatus.COMPLETED))
    for slot in past_slots[1:3]:
        add_booking(slot, students[-1], BookingStatus.NO_SHOW)
    db.session.flush()
    for booking in completed:
        slot = booking.slot
        record_evidence(booking.student_id, "connections", SourceKind.MENTORING, booking.id,
                        {"alum": slot.alumni.name, "topic": slot.topic,
                         "minutes": slot.duration_minutes}, occurred_at=slot.starts_at)
    db.session.flush()
    return True


STAFF_RECORD_EXAMPLES = {
    "career_design": ["Career exploration workshop", "Career plan reviewed with a coach"],
    "skills_competencies": ["NACE competencies self-assessment", "Excel certification course"],
    "articulation": ["Mock interview with a career coach", "Résumé reviewed by career staff"],
    "job_search": ["Job search strategy workshop", "Attended the spring career fair"],
}


def seed_outcomes(rng: random.Random, password_hash: str) -> bool:
    """Three graduating classes of a few hundred students, with evidence and first
    destinations that leave visible gaps between student groups."""
    from datetime import date, datetime, timedelta

    from .models import (
        Application,
        ApplicationEvent,
        ApplicationStatus,
        DestinationCategory,
        FirstDestination,
        Opportunity,
        OpportunityStatus,
        OutcomeEvidence,
        Placement,
        PlacementStatus,
        SourceKind,
        StaffRecord,
    )
    from .models.base import utcnow
    from .services.outcomes import rebuild_attainment

    if db.session.scalar(sa.select(sa.func.count(StaffRecord.id))):
        return False
    staff = db.session.scalar(sa.select(User).where(User.email == STAFF[0]))
    postings = db.session.scalars(sa.select(Opportunity).where(
        Opportunity.status == OpportunityStatus.PUBLISHED).order_by(Opportunity.id)).all()
    if staff is None or not postings:
        return False
    existing = {u for u in db.session.scalars(sa.select(User.email))}
    majors = list(MAJORS)
    for index in range(48, 330):
        email = f"student{index:03d}@{DEMO_DOMAIN}"
        if email in existing:
            continue
        name = (f"{FIRST_NAMES[(index * 7) % len(FIRST_NAMES)]} "
                f"{LAST_NAMES[(index * 11) % len(LAST_NAMES)]}")
        major = majors[(index * 5) % len(majors)]
        first_gen = rng.random() < 0.4 if rng.random() < 0.92 else None
        pell = rng.random() < (0.55 if first_gen else 0.25) if rng.random() < 0.92 else None
        user = User(email=email, name=name, role=Role.STUDENT, password_hash=password_hash)
        user.student_profile = StudentProfile(
            graduation_year=2026 + index % 3, major=major, first_generation=first_gen,
            pell_eligible=pell, time_zone="America/New_York")
        user.student_profile.clusters = MAJORS[major]
        db.session.add(user)
    db.session.flush()

    now = utcnow()
    students = db.session.scalars(sa.select(User).join(StudentProfile).where(
        User.role == Role.STUDENT, User.email.like("student%@demo.edu"),
        User.email != MAIN_STUDENT[0]).order_by(User.id)).all()
    applied = set(db.session.execute(sa.select(Application.opportunity_id,
                                               Application.student_id)).all())
    with_evidence = set(db.session.scalars(sa.select(OutcomeEvidence.student_id).where(
        OutcomeEvidence.outcome == "experiential_learning")))

    def when(seniority: int) -> datetime:
        # Older classes did more, and longer ago.
        return now - timedelta(days=rng.randint(5, 120 + 80 * seniority))

    for student in students:
        profile = student.student_profile
        seniority = 2028 - (profile.graduation_year or 2028)
        penalty = (0.22 if profile.first_generation else 0) + (0.12 if profile.pell_eligible
                                                               else 0)
        did_placement = (student.id in with_evidence
                         or rng.random() < 0.25 + 0.18 * seniority - penalty)
        if did_placement and student.id not in with_evidence:
            posting = postings[(student.id * 3) % len(postings)]
            if (posting.id, student.id) not in applied:
                at = when(seniority)
                application = Application(opportunity=posting, student=student,
                                          status=ApplicationStatus.HIRED, created_at=at,
                                          cover_letter="I am ready to learn on the job.")
                application.events.append(ApplicationEvent(
                    status=ApplicationStatus.HIRED, actor_id=student.id, created_at=at))
                placement = Placement(application=application, student_id=student.id,
                                      opportunity_id=posting.id,
                                      status=PlacementStatus.COMPLETED,
                                      hours=float(rng.choice([40, 80, 120])),
                                      completed_at=at + timedelta(days=30),
                                      completed_by_id=posting.created_by_id)
                db.session.add_all([application, placement])
                db.session.flush()
                for outcome in ("experiential_learning", "connections"):
                    db.session.add(OutcomeEvidence(
                        student_id=student.id, outcome=outcome,
                        source_kind=SourceKind.PLACEMENT, source_id=placement.id,
                        recorded_at=min(at + timedelta(days=30), now),
                        occurred_at=min(at + timedelta(days=30), now),
                        details={"opportunity": posting.title,
                                 "organization": posting.organization.name}))
                with_evidence.add(student.id)
        for outcome, examples in STAFF_RECORD_EXAMPLES.items():
            chance = 0.35 + 0.15 * seniority - penalty * 0.6 + (0.1 if did_placement else 0)
            if rng.random() < chance:
                at = when(seniority)
                record = StaffRecord(student_id=student.id, outcome=outcome,
                                     occurred_on=at.date(), description=rng.choice(examples),
                                     recorded_by_id=staff.id, created_at=at)
                db.session.add(record)
                db.session.flush()
                db.session.add(OutcomeEvidence(
                    student_id=student.id, outcome=outcome, source_kind=SourceKind.STAFF,
                    source_id=record.id, recorded_at=at, occurred_at=at,
                    details={"description": record.description,
                             "date": record.occurred_on.isoformat()}))
        if profile.graduation_year == 2026 and rng.random() < 0.78:
            good = 0.82 if student.id in with_evidence else 0.6
            roll = rng.random()
            if roll < good:
                category = rng.choice([DestinationCategory.EMPLOYED_FULL_TIME] * 5 + [
                    DestinationCategory.CONTINUING_EDUCATION, DestinationCategory.MILITARY,
                    DestinationCategory.EMPLOYED_PART_TIME])
            elif roll < good + 0.06:
                category = DestinationCategory.NOT_SEEKING
            else:
                category = rng.choice([DestinationCategory.SEEKING_EMPLOYMENT,
                                       DestinationCategory.SEEKING_EDUCATION])
            db.session.add(FirstDestination(
                student_id=student.id, category=category, recorded_on=date(2026, 11, 1),
                employer=rng.choice(["Riverbend Health System", "Lumen Software",
                                     "Cedar County", None])
                if category is DestinationCategory.EMPLOYED_FULL_TIME else None))
    db.session.flush()
    rebuild_attainment()  # the rows above were written with their historical times
    return True

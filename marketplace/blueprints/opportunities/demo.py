"""marketplace.blueprints.opportunities.demo."""

from __future__ import annotations

import random

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import Organization, User
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    WorkMode,
)
from marketplace.blueprints.opportunities.services import risk_flags
from marketplace.core.clock import institution_today
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role

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

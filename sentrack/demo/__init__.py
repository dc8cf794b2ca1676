"""Demo data: a local authority whose schools look like English schools in the middle of a year.

`build_demo` fills a database with a primary and a secondary school (or as many as asked for):
staff with roles, classes, pupils with parents and carers, an SEN register shaped like England's
with dated histories, concerns (some past their deadline), support cycles at every stage with
their assessments, plans, outcomes, observations and reviews (some reviews overdue), letters to
parents (a few still to send), a catalogue of intervention programmes with interventions that
ended (most with their impact recorded), are running (registers taken up to today) or start next
week, each pupil's timeline, and EHC work (`ehc`: plans, annual reviews, needs assessment
requests at every stage, and documents made by `pdf`), and what passed between the schools and the
demo school's MIS (`exchange`: leavers' next schools, SEN files sent and to send, CTF imports with
the MIS's SEN and the differences for the SENCO (`mis`), pupils arriving from another school
(`transfers`), last July's year end). `samples_ctf` writes the sample CTF in `samples/`.
Everything is dated from `today`, so the demo looks lived-in on
whatever date it runs, and everything comes from one seeded random generator, so the same seed
and date give the same data.

Rows are inserted with bulk statements and primary keys assigned in Python (`rows`), so that a
hundred schools take seconds rather than minutes. The caller commits.

The parts: `builder` builds the authority and each school in turn from `schools` (what to build),
`staff`, `pupils` (with their `upn`s), `register`, `concerns`, `cycles`, `chronology` (timeline
events and letters), `interventions` (from the programmes in `catalogue`) and `meetings` (with
parents). They share a
`context` (the seeded generator, `today`, the summary) and the `rows` buffer that inserts
everything; `dates` holds the academic-year and school-day helpers, `names` the names and the
register's wording, `texts` the wording of the support cycles and `catalogue` that of the
interventions.
"""

from __future__ import annotations

from sentrack.demo.builder import build_demo
from sentrack.demo.context import DemoSummary
from sentrack.demo.schools import demo_pupil_count
from sentrack.demo.staff import DEMO_PASSWORD

__all__ = [
    "DEMO_PASSWORD",
    "DemoSummary",
    "build_demo",
    "demo_pupil_count",
]

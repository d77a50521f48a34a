"""Standing groups: the body-worn camera policy review committee, the chief's community
advisory group and the citizen review board. Nine members each with terms (one ending within
60 days), meetings with agendas, published minutes and attendance, and items under review:
the body-worn camera policy open for public comment now, and a confidential case that only
the board and named staff may see."""

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from engagement_portal.demo.loader.events import add_staff, create_event
from engagement_portal.demo.loader.world import Person, World
from events.models import EventPersonnel
from programs.coproduction import services_groups as groups
from programs.coproduction.models_groups import GroupMember, PublicComment, ReviewItem
from programs.models import Program

Role = EventPersonnel.Role
Kind = ReviewItem.Kind
SEATS = [
    GroupMember.Role.CHAIR,
    GroupMember.Role.VICE_CHAIR,
    GroupMember.Role.MEMBER,
    GroupMember.Role.MEMBER,
    GroupMember.Role.MEMBER,
    GroupMember.Role.MEMBER,
    GroupMember.Role.MEMBER,
    GroupMember.Role.YOUTH,
    GroupMember.Role.ALTERNATE,
]


@dataclass
class Group:
    slug: str
    venue: str
    address: str
    meetings: list[int]  # day offsets; the last is the next meeting
    hour: int
    agenda: list[str]
    staff: list[str]  # emails of staff who attend, the first leads


GROUPS = [
    Group(
        "body-worn-camera-policy-review",
        "Police Headquarters, community room",
        "1 Civic Plaza",
        [-300, -270, -240, -205, -175, -145, -110, -80, -50, -21, 16],
        18,
        [
            "Welcome and apologies",
            "Minutes of the last meeting",
            "Draft general order 4.30: when cameras must be recording",
            "Release of footage after serious incidents",
            "Public comments received",
            "Recommendations to the chief",
        ],
        ["staff@example.org", "command@example.org", "lieutenant@example.org"],
    ),
    Group(
        "community-advisory-group",
        "Chief's conference room, Police Headquarters",
        "1 Civic Plaza",
        [-320, -230, -140, -50, 40],
        18,
        [
            "Welcome from the chief",
            "Recruiting: who applies and who is hired",
            "In-service training: de-escalation curriculum",
            "Community policing in Eastgate and Westbrook",
            "What members heard in their neighbourhoods",
        ],
        ["chief@example.org", "command@example.org", "staff@example.org"],
    ),
    Group(
        "citizen-review-board",
        "City Hall, committee room B",
        "200 Main Street",
        [-182, -154, -126, -98, -70, -42, -14, 14],
        17,
        [
            "Public session: apologies and minutes",
            "Report on complaints received this month",
            "Closed session: case review",
            "Public session: the board's views to the chief",
        ],
        ["staff@example.org", "detective@example.org"],
    ),
]


def _members(world: World, program: Program, rosa: Person | None, *, newcomer: bool) -> None:
    """Nine seats. Most terms began with the group; one ends within 60 days, and some
    members joined this year."""
    w = world
    months = program.engagement_type.term_months or 24
    started = w.day(-410)
    people = w.people.fresh(9, today=w.today)
    if rosa is not None:
        people[4] = rosa
    user = w.manager(program)
    for k, (person, role) in enumerate(zip(people, SEATS, strict=True)):
        if k == 2:
            ends = w.day(38)  # up for renewal soon
            starts = ends - relativedelta(months=months)
        elif k in (6, 7) or (k == 4 and newcomer):
            starts = w.day(-150 + 60 * (k - 5)) if k != 4 else w.day(-45)
            ends = starts + relativedelta(months=months)
        else:
            starts = started
            ends = starts + relativedelta(months=months)
        w.resident(person)
        groups.add_member_by_hand(
            program=program,
            **person.contact,
            neighbourhood=person.neighbourhood,
            language=person.language,
            role=role,
            term_starts=starts,
            term_ends=ends,
            user=user,
        )


def _meetings(world: World, program: Program, group: Group) -> None:
    w = world
    staff = [w.user(email) for email in group.staff]
    for n, offset in enumerate(group.meetings):
        upcoming = offset > 0
        event = create_event(
            w,
            program,
            title=f"{program.title}: meeting {n + 1}",
            description="Open to the public, except for any closed session on the agenda.",
            start=w.at(offset, group.hour),
            minutes=120,
            venue=group.venue,
            address=group.address,
            accessibility="Step-free access. Interpretation on request a week ahead.",
            languages=("en", "es"),
            reminders="",
        )
        agenda = "\n".join(f"{i}. {item}" for i, item in enumerate(group.agenda, start=1))
        if upcoming:
            groups.save_meeting_record(event=event, agenda=agenda, minutes="", user=staff[0])
            continue
        present_ratio = w.rng.choice([0.78, 0.89, 1.0, 0.89])
        serving = list(
            GroupMember.objects.filter(program=program, term_starts__lte=event.starts_at.date())
        )
        present = [m.resident_id for m in serving if w.rng.random() < present_ratio]
        groups.record_meeting_attendance(
            event=event,
            present_resident_ids=present,
            user=staff[0],
            now=event.ends_at,
        )
        minutes = f"{len(present)} members present; quorum reached.\n" + "\n".join(
            f"{i}. {item}: discussed; "
            + w.rng.choice(
                [
                    "no decision needed.",
                    "staff to report back next meeting.",
                    "members agreed a recommendation (see “You said, we did”).",
                    "comments noted for the chief.",
                ]
            )
            for i, item in enumerate(group.agenda, start=1)
        )
        groups.save_meeting_record(
            event=event,
            agenda=agenda,
            minutes=minutes,
            publish=True,
            user=staff[0],
            now=event.ends_at + timedelta(days=w.rng.randint(3, 9)),
        )
        add_staff(event, [(staff[0], Role.LEAD)] + [(u, Role.ATTENDEE) for u in staff[1:]])


BWC_COMMENTS = [
    ("Cameras should be on for every stop, not only when the officer decides.", "ot", True),
    ("Footage of serious incidents should be released within 30 days.", "eg", True),
    ("Please publish how long recordings are kept and who can see them.", "hc", True),
    ("Las cámaras deben grabar también en las visitas a domicilio.", "eg", True),
    ("I support the cameras; they protect residents and officers alike.", "wb", True),
    ("Officer [name removed] lied in court and cameras will not change that.", "rs", False),
    ("Will people be told when they are being recorded?", "rn", None),
    ("What happens if an officer forgets to switch the camera on?", "ls", None),
    ("Make sure footage can never be used for facial recognition.", "md", None),
]


def _items(world: World, programs: dict[str, Program]) -> None:
    w = world
    committee = programs["body-worn-camera-policy-review"]
    staff = w.manager(committee)
    command = w.user("command@example.org")
    # Concluded earlier in the year, after a comment period.
    alpr = groups.create_review_item(
        program=committee,
        user=staff,
        kind=Kind.TECHNOLOGY,
        title="Automated licence plate readers on patrol cars",
        summary="A proposal to fit plate readers to twelve patrol cars, with a 30-day "
        "retention limit for reads that match no alert.",
        status=ReviewItem.Status.UNDER_REVIEW,
        named_staff=[command],
        comment_opens_at=w.at(-215, 8),
        comment_closes_at=w.at(-185, 23, 59),
        now=w.at(-230, 10),
    )
    for text, code in [
        ("Thirty days is still too long for reads that match nothing.", "ot"),
        ("Good for finding stolen cars; publish an audit every year.", "hc"),
        ("Who outside the department can query the data?", "eg"),
    ]:
        comment = groups.submit_comment(
            item=alpr,
            text=text,
            neighbourhood=w.hoods[code],
            language="en",
            now=w.between(w.at(-214, 8), w.at(-186, 20)),
        )
        groups.moderate_comment(comment=comment, action="approve", user=staff, now=w.at(-184, 9))
    groups.advance_item_status(item=alpr, to=ReviewItem.Status.CONCLUDED, user=staff)

    # Open for comment now.
    bwc = groups.create_review_item(
        program=committee,
        user=staff,
        kind=Kind.POLICY,
        title="Draft general order 4.30: Body-worn cameras",
        summary="When officers must record, when they may stop, how residents are told, how "
        "long footage is kept and when it is released. The committee will send its "
        "recommendations to the chief after the comment period.",
        status=ReviewItem.Status.UNDER_REVIEW,
        named_staff=[command],
        comment_opens_at=w.at(-10, 8),
        comment_closes_at=w.at(20, 23, 59),
        now=w.at(-35, 14),
    )
    for title, link in [
        ("Draft general order 4.30 (PDF)", "https://example.org/policies/go-4-30-draft.pdf"),
        (
            "How five other cities handle body-worn camera footage",
            "https://example.org/policies/bwc-comparison.pdf",
        ),
    ]:
        groups.add_document(item=bwc, title=title, link=link, user=staff, now=w.at(-12, 11))
    for k, (text, code, publish) in enumerate(BWC_COMMENTS):
        comment = groups.submit_comment(
            item=bwc,
            text=text,
            name=w.people.pick(1)[0].name if k % 3 == 0 else "",
            neighbourhood=w.hoods[code],
            language="es" if text.startswith("Las") else "en",
            now=w.between(w.at(-10, 8), w.now - timedelta(hours=3)),
        )
        if publish is True:
            groups.moderate_comment(comment=comment, action="approve", user=staff, now=w.now)
        elif publish is False:
            groups.moderate_comment(
                comment=comment,
                action="reject",
                user=staff,
                reason="Names an officer and makes an accusation we cannot publish; the "
                "resident was told how to file a complaint.",
                now=w.now,
            )
    # Moderation happens as comments come in; the rows say when.
    for comment in PublicComment.objects.filter(item=bwc, moderated_at__isnull=False):
        PublicComment.objects.filter(pk=comment.pk).update(
            moderated_at=min(comment.submitted_at + timedelta(hours=20), w.now)
        )

    advisory = programs["community-advisory-group"]
    adviser = w.manager(advisory)
    groups.create_review_item(
        program=advisory,
        user=adviser,
        kind=Kind.INITIATIVE,
        title="Recruiting and hiring plan 2027",
        summary="Where the department advertises, how it tests candidates and how it could "
        "hire more officers who live in the city and speak its languages.",
        status=ReviewItem.Status.UNDER_REVIEW,
        named_staff=[w.user("command@example.org")],
        now=w.at(-60, 10),
    )
    curriculum = groups.create_review_item(
        program=advisory,
        user=adviser,
        kind=Kind.CURRICULUM,
        title="De-escalation curriculum for in-service training",
        summary="The eight-hour course every officer takes each year.",
        status=ReviewItem.Status.UNDER_REVIEW,
        now=w.at(-240, 10),
    )
    groups.advance_item_status(item=curriculum, to=ReviewItem.Status.CONCLUDED, user=adviser)

    board = programs["citizen-review-board"]
    clerk = w.manager(board)
    named = [w.user("detective@example.org"), w.user("command@example.org")]
    case = groups.create_review_item(
        program=board,
        user=clerk,
        kind=Kind.CASE,
        title="Case 2026-031: complaint about a traffic stop",
        summary="A resident says a stop on South Bank Avenue was made without cause and that "
        "the officer was discourteous. Internal Affairs found the complaint not sustained; the "
        "board reviews the investigation.",
        status=ReviewItem.Status.UNDER_REVIEW,
        confidential=True,
        named_staff=named,
        now=w.at(-20, 9),
    )
    groups.add_document(
        item=case,
        title="Investigation summary (redacted)",
        link="https://example.org/internal/case-2026-031",
        user=clerk,
        now=w.at(-20, 9),
    )
    earlier = groups.create_review_item(
        program=board,
        user=clerk,
        kind=Kind.CASE,
        title="Case 2026-019: use of force during an arrest",
        summary="The board reviewed the use-of-force investigation and agreed with its "
        "finding; its view on the training issue it raised went to the chief.",
        status=ReviewItem.Status.UNDER_REVIEW,
        confidential=True,
        named_staff=named,
        now=w.at(-110, 9),
    )
    groups.advance_item_status(item=earlier, to=ReviewItem.Status.CONCLUDED, user=clerk)


def standing_groups(world: World) -> None:
    w = world
    rosa = Person(
        name="Rosa Alvarez",
        email="resident@example.org",
        phone="",
        language="es",
        neighbourhood=w.hoods["eg"],
        born=date(w.today.year - 41, 5, 14),
    )
    for group in GROUPS:
        program = w.programs[group.slug]
        advisory = group.slug == "community-advisory-group"
        _members(w, program, rosa if advisory else None, newcomer=advisory)
        _meetings(w, program, group)
    _items(w, w.programs)

"""Loading the Heping demo's people: the place tree, residents, their groups and teams, the
residents who moved out, the departments, and the named people's sign-ins and roles.

Every step looks each row up by its natural key (place by parent + name, resident by phone,
membership by resident + group, grant by user + role + place …) and calls the domain
services, acting as SYSTEM, only for what is missing. A second run therefore changes nothing
and duplicates nothing.
"""

from __future__ import annotations

import unicodedata

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from linli.audit.services import audit_record
from linli.core.actors import SYSTEM
from linli.core.errors import Conflict
from linli.demo.plan import (
    CITY,
    DELIB,
    DEPARTMENTS,
    DISTRICT,
    GROUP_SIZES,
    HEPING,
    NAMED,
    PASSWORD,
    REP,
    VOL,
    Demo,
    HouseholdPlan,
    Named,
    SignIn,
    place_path,
)
from linli.people.models import (
    Department,
    GroupMembership,
    Resident,
    RoleGrant,
    Team,
    TeamMember,
    User,
)
from linli.people.services import (
    account_create,
    department_create,
    group_join,
    place_add,
    resident_create,
    resident_move_out,
    role_grant,
    team_create,
    team_member_add,
)
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.services import place_get_or_create


def load_places(demo: Demo) -> None:
    """The tree down to every planned household."""
    city, created = place_get_or_create(
        parent=None, kind=PlaceKind.CITY, name=CITY[0], code=CITY[1]
    )
    demo.tally.add("place", created)
    demo.places[(city.name,)] = city
    existing = {(p.parent_id, p.name): p for p in Place.objects.filter(city=city)}

    def get(path: tuple[str, ...], kind: str, **extra: str) -> Place:
        parent = demo.places[path[:-1]]
        place = existing.get((parent.pk, path[-1]))
        if place is not None and place.kind != kind:
            raise Conflict(f"“{place.name}”已存在，但层级是 {place.kind}，不是 {kind}")
        demo.tally.add("place", place is None)
        if place is None:
            # place_add (not the bare place_create) so every new place has its audit row.
            place = place_add(actor=SYSTEM, parent=parent, kind=kind, name=path[-1], **extra)
        demo.places[path] = place
        return place

    get((city.name, DISTRICT[0]), PlaceKind.DISTRICT, code=DISTRICT[1])
    get(place_path(), PlaceKind.STREET)
    for community, compounds in demo.plan.layout.items():
        get(place_path(community), PlaceKind.COMMUNITY)
        for compound, buildings in compounds.items():
            get(place_path(community, compound), PlaceKind.COMPOUND)
            for building in buildings:
                get(place_path(community, compound, building), PlaceKind.BUILDING)
    for h in demo.plan.households:
        get(
            place_path(h.community, h.compound, h.building, h.name),
            PlaceKind.HOUSEHOLD,
            unit=h.unit,
            room=h.room,
        )


def _home(demo: Demo, h: HouseholdPlan) -> Place:
    return demo.places[place_path(h.community, h.compound, h.building, h.name)]


def load_residents(demo: Demo) -> None:
    """Every planned resident, current or (for now) not yet moved out."""
    rows = Resident.objects.filter(household__city=demo.city).select_related("household")
    by_phone: dict[str, Resident] = {}
    by_home: dict[tuple[int, str], Resident] = {}
    for r in rows.order_by("moved_out", "pk"):  # a current resident wins over a past one
        if r.phone:
            by_phone.setdefault(r.phone, r)
        else:
            by_home.setdefault((r.household_id, r.name), r)
    for p in demo.plan.people:
        household = _home(demo, p.household)
        found = by_phone.get(p.phone) if p.phone else by_home.get((household.pk, p.name))
        demo.tally.add("resident", found is None)
        if found is None:
            found = resident_create(
                actor=SYSTEM,
                household=household,
                name=p.name,
                phone=p.phone,
                gender=p.gender,
                birth_year=p.birth_year,
                moved_in=p.moved_in,
            )
        demo.residents[p.key] = found


def load_groups(demo: Demo) -> None:
    """居民代表, 居民议事人, 志愿者: one membership per resident and group, ever."""
    heping = demo.heping
    have = set(GroupMembership.objects.filter(community=heping).values_list("resident_id", "group"))
    for p in demo.plan.people:
        resident = demo.residents[p.key]
        for group, since in p.groups.items():
            created = (resident.pk, group) not in have
            if created:
                group_join(actor=SYSTEM, resident=resident, group=group, started_on=since)
            demo.tally.add("membership", created)


def load_teams(demo: Demo) -> None:
    """义务巡逻队 and the other volunteer teams, with their leaders and members."""
    heping = demo.heping
    teams = {t.name: t for t in Team.objects.filter(community=heping)}
    members = set(
        TeamMember.objects.filter(team__community=heping).values_list("team_id", "resident_id")
    )
    for plan in demo.plan.teams:
        team = teams.get(plan.name)
        demo.tally.add("team", team is None)
        if team is None:
            team = team_create(
                actor=SYSTEM, community=heping, name=plan.name, description=plan.description
            )
        demo.teams[plan.name] = team
        for person in [plan.leader, *plan.members]:
            resident = demo.residents[person.key]
            created = (team.pk, resident.pk) not in members
            if created:
                team_member_add(
                    actor=SYSTEM,
                    team=team,
                    resident=resident,
                    is_leader=person is plan.leader,
                    joined_on=max(plan.founded, person.groups[VOL]),
                )
            demo.tally.add("team_member", created)


def load_move_outs(demo: Demo) -> None:
    """The residents who have left: their rows and ended memberships stay."""
    for p in demo.plan.people:
        if p.moved_out is None:
            continue
        resident = demo.residents[p.key]
        created = resident.moved_out is None
        if created:
            demo.residents[p.key] = resident_move_out(
                actor=SYSTEM, resident=resident, on=p.moved_out
            )
        demo.tally.add("move_out", created)


def load_departments(demo: Demo) -> None:
    """住建, 城管, 信访, 创文办 on 沙市区: where matters are referred."""
    district = demo.district
    existing = {d.name: d for d in Department.objects.filter(place=district)}
    for name, short in DEPARTMENTS:
        dept = existing.get(name)
        demo.tally.add("department", dept is None)
        if dept is None:
            dept = department_create(actor=SYSTEM, place=district, name=name, short_name=short)
        demo.departments[short] = dept


def staff_user(named: Named) -> User:
    """A sign-in for someone who is not a resident of the demo's communities (supervisor,
    department handler, operator). No service creates a sign-in without a resident record
    yet, so this writes the User here, with its audit row, in one transaction."""
    validate_password(PASSWORD)
    with transaction.atomic(durable=True):
        user = User.objects.create_user(
            named.phone,
            PASSWORD,
            name=named.name,
            is_staff=named.superuser,
            is_superuser=named.superuser,
            must_change_password=False,
        )
        audit_record(
            actor=SYSTEM,
            action="account.create",
            target=user,
            data={"demo": True, "resident": None},
        )
    return user


def load_roles(demo: Demo) -> None:
    """Sign-ins and role grants for the named people."""
    places = {
        "city": demo.city,
        "district": demo.district,
        "street": demo.street,
    }
    for named in NAMED:
        if named.home is not None:
            resident = demo.resident(named.key)
            resident.refresh_from_db(fields=["user"])
            found = resident.user
            created = found is None
            if found is None:
                user, _secret = account_create(actor=SYSTEM, resident=resident, password=PASSWORD)
            else:
                user = found
        else:
            found = User.objects.filter(phone=named.phone).first()
            created = found is None
            user = staff_user(named) if found is None else found
        demo.tally.add("account", created)
        demo.users[named.key] = user

        if named.role:
            if named.grant_on == "community":
                assert named.home is not None
                place = demo.community(named.home[0])
            elif named.grant_on == "building":
                assert named.home is not None
                place = demo.building(*named.home[:3])
            else:
                place = places[named.grant_on]
            granted = RoleGrant.objects.filter(
                user=user, role=named.role, place=place, revoked_at__isnull=True
            ).exists()
            if not granted:
                role_grant(
                    actor=SYSTEM,
                    user=user,
                    role=named.role,
                    place=place,
                    department=demo.departments[named.department] if named.department else None,
                )
            demo.tally.add("grant", not granted)
        demo.signins.append(
            SignIn(named.role_label, named.name, named.phone, PASSWORD, named.try_this)
        )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def signin_table(signins: list[SignIn]) -> str:
    """The sign-ins as an aligned text table (CJK characters count as two columns)."""
    header = SignIn("角色", "姓名", "手机号", "密码", "可以试试")
    rows = [header, *signins]
    cols = [[r.role, r.name, r.phone, r.password, r.try_this] for r in rows]
    widths = [max(_width(row[i]) for row in cols) for i in range(4)]
    lines = []
    for n, row in enumerate(cols):
        cells = [c + " " * (widths[i] - _width(c)) for i, c in enumerate(row[:4])]
        lines.append("  ".join([*cells, row[4]]).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in [*widths, _width(row[4])]))
    return "\n".join(lines)


def figures(demo: Demo) -> str:
    heping = demo.heping
    current = Resident.objects.filter(household__community=heping, moved_out__isnull=True)
    past = Resident.objects.filter(household__community=heping, moved_out__isnull=False)
    groups = {
        g: GroupMembership.objects.filter(community=heping, group=g, ended_on__isnull=True).count()
        for g in GROUP_SIZES
    }
    return (
        f"{HEPING}：小区 {len(demo.plan.layout[HEPING])} 个，"
        f"户 {Place.objects.filter(community=heping, kind=PlaceKind.HOUSEHOLD).count():,}，"
        f"在住居民 {current.count():,} 人（已迁出 {past.count()} 人）；"
        f"居民代表 {groups[REP]}，居民议事人 {groups[DELIB]}，志愿者 {groups[VOL]}。"
    )

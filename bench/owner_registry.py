"""What the art. 278 roster costs each ballot: ``owner_registry`` on a large community.

Every owner's ballot and every tally reads the community's whole roster (a head may join parts
anywhere in it, art. 9). Run: ``.venv/bin/python bench/owner_registry.py [--households N]``. It
builds its own SQLite database in a temporary directory (migrations, one community of N
households, default 3,000, with 1.2 owners each on average: co-owners, owners of several rooms,
unsold rooms), checks that both readings give the same registry, then times, alternating, the
registry read as plain values (``owner_registry``) and the reading it replaced (every household
and owner a model instance, every phone parsed). The last line is ``ratio=<ours / instances>``.
"""

import argparse
import statistics
import time
from decimal import Decimal

from on_sqlite import django_on_temporary_sqlite  # bench/, the folder of the script

django_on_temporary_sqlite("registry-bench-")

from django.core.management import call_command  # noqa: E402

from deliberation.models import Building, Household, Owner  # noqa: E402
from meetings.services.motions import owner_registry  # noqa: E402
from tests.factories import PropertyCompanyFactory, make_community, make_street  # noqa: E402
from tests.meetings.owners_votes.test_owner_registry import registry_from_instances  # noqa: E402

RUNS = 15


def build(households: int):
    community = make_community(
        street=make_street(title="大学西路街道"), company=PropertyCompanyFactory(name="宜居物业")
    )
    buildings = [
        Building.objects.create(community=community, name=f"{i + 1}号楼")
        for i in range(households // 100 + 1)
    ]
    rooms = Household.objects.bulk_create(
        Household(
            building=buildings[i // 100],
            unit=f"{i % 4 + 1}单元",
            room=str(101 + i % 100),
            area=Decimal("88.50"),
        )
        for i in range(households)
    )
    owners = []
    for i, room in enumerate(rooms):
        if i % 10 == 9:
            continue  # unsold: the developer's
        # Every sixth buyer owns a second room (the same name and phone, written another way).
        person = i - 1 if i % 6 == 1 else i
        phone = f"+86138{person:08d}" if i % 6 != 1 else f"138 {person:08d}"
        owners.append(Owner(household=room, name=f"业主{person}", phone=phone))
        if i % 3 == 0:
            owners.append(Owner(household=room, name=f"共有人{i}", phone=""))
    Owner.objects.bulk_create(owners)  # the phones stored as E.164, as the product stores them
    return community, len(owners)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=3000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    community, owners = build(args.households)
    ours, theirs = owner_registry(community), registry_from_instances(community)
    assert ours == theirs, "the two readings disagree"
    print(f"community: {args.households} households, {owners} owners, {ours.total_heads} heads")
    times = {"values": [], "instances": []}
    for _ in range(RUNS):
        for name, read in (("values", owner_registry), ("instances", registry_from_instances)):
            started = time.perf_counter()
            read(community)
            times[name].append(time.perf_counter() - started)
    values, instances = (statistics.median(times[name]) * 1000 for name in ("values", "instances"))
    print(f"owner_registry, read as values (ours): median {values:.1f} ms of {RUNS}")
    print(f"owner_registry, read as instances (before): median {instances:.1f} ms of {RUNS}")
    print(f"ratio={values / instances:.3f}")


if __name__ == "__main__":
    main()

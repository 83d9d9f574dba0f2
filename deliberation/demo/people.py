"""Demo places and people: one street office, two communities, ~200 households, one account per role.

Idempotent: every object is found by its natural key before it is created, so running the
command twice leaves the same data. The accounts are listed in the README.
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress

from cms.models import CommunityPage, HomePage, NewsPage, StreetOfficePage

from ..models import Building, Household, Membership, Owner, PropertyCompany, Role, Tenure, User
from ..services.pages import hall_page_ensure

DEMO_PASSWORD = "demo-pass-2026"
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华玉兰志强海燕"

# (email, display name, role, community slug or None)
ACCOUNTS = [
    ("resident@demo.cn", "王小明", Role.RESIDENT, "xingfu"),
    ("rep@demo.cn", "李秀英", Role.REPRESENTATIVE, "xingfu"),
    ("committee@demo.cn", "张建国", Role.COMMITTEE, "xingfu"),
    ("property@demo.cn", "刘经理", Role.PROPERTY, None),
    ("worker@demo.cn", "陈社工", Role.WORKER, "xingfu"),
    ("street@demo.cn", "赵主任", Role.STREET, None),
    ("admin@demo.cn", "管理员", None, None),
]
#: Valid mainland mobiles (E.164), so the demo's notices also go out by SMS (to the console).
PHONES = {email: f"+86138001380{index:02d}" for index, (email, *_rest) in enumerate(ACCOUNTS[:-1])}


@dataclass
class DemoContext:
    street: StreetOfficePage
    communities: dict[str, CommunityPage]
    company: PropertyCompany
    users: dict[str, User] = field(default_factory=dict)
    neighbours: list[User] = field(default_factory=list)
    stdout: object = None


def _page(parent, model, slug, **fields):
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = model(slug=slug, **fields)
        parent.add_child(instance=page)
    return page


def _hall_text(hall, title):
    """The demo hall's rules, notices and contacts, written once as an editor would (a published
    revision); a hall whose text an editor already changed is left alone."""
    if hall.latest_revision_id is not None:
        return
    hall.rules = (
        "<p>一、居民实名认证后可在议事厅提交诉求，同一事项请先附议，避免重复提交。</p>"
        "<p>二、社区工作者在三个工作日内受理或说明不受理的理由，并指定负责方和办理期限。</p>"
        "<p>三、附议达到本社区门槛的诉求，提交下一次四方会议（业委会、物业、居民代表、社区）议定。</p>"
        "<p>四、办结后由提出人评价；不满意的可申请重新办理，逾期未办的上报街道。</p>"
    )
    hall.notices = f"<p>{title}四方会议每月第一个周四晚七点在党群服务中心召开，欢迎旁听。</p>"
    hall.contacts = "<p>社区服务电话 0471-2222222（工作日 8:30–17:30）；物业 24 小时报修 0471-1111111。</p>"
    hall.save_revision().publish()


def _user(email, name, **extra):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(username=email, email=email, display_name=name, **extra)
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _member(user, community, role, household, tenure=Tenure.OWNER):
    Membership.objects.get_or_create(
        user=user,
        community=community,
        defaults=dict(
            role=role,
            status=Membership.Status.APPROVED,
            household=household,
            claimed_building=household.building.name,
            claimed_unit=household.unit,
            claimed_room=household.room,
            tenure=tenure,
        ),
    )


def seed_places(stdout=None) -> DemoContext:
    home = HomePage.objects.get(depth=2)
    street = _page(
        home,
        StreetOfficePage,
        "daxuexilu",
        title="大学西路街道",
        address="赛罕区大学西路 88 号",
        phone="0471-0000000",
    )
    company = PropertyCompany.objects.get_or_create(
        name="宜居物业服务有限公司",
        defaults={"contact_phone": "+864711111111", "contact_email": "service@yiju.example"},
    )[0]
    communities = {}
    for slug, title, threshold in (("xingfu", "幸福社区", 3), ("hexie", "和谐社区", 5)):
        community = _page(
            street,
            CommunityPage,
            slug,
            title=title,
            area="呼和浩特市赛罕区大学西路街道",
            address=f"{title}党群服务中心",
            phone="0471-2222222",
            property_company=company,
            support_threshold=threshold,
            intro=f"<p>{title}居民议事厅：有事好商量，众人的事情由众人商量。</p>",
        )
        communities[slug] = community
        _hall_text(hall_page_ensure(community), title)
        _page(
            community,
            NewsPage,
            "sifang-huiyi-zhidu",
            title="四方会议制度上线",
            date="2026-11-01",
            body="<p>业委会、物业、居民代表和社区每月召开四方会议，议题来自居民议事厅。</p>",
        )
        rng = random.Random(slug)
        for b in range(1, 6):
            building = Building.objects.get_or_create(community=community, name=f"{b}号楼")[0]
            for unit in (1, 2):
                for floor in range(1, 6):
                    for door in (1, 2):
                        room = f"{floor}0{door}"
                        area = (
                            Decimal(rng.choice((68, 75, 89, 96, 112, 128)))
                            + Decimal(rng.randint(0, 99)) / 100
                        )
                        household, created = Household.objects.get_or_create(
                            building=building, unit=f"{unit}单元", room=room, defaults={"area": area}
                        )
                        if created:
                            owners = 2 if rng.random() < 0.25 else 1
                            for i in range(owners):
                                name = (
                                    rng.choice(SURNAMES)
                                    + rng.choice(GIVEN)
                                    + ("" if i == 0 else rng.choice(GIVEN))
                                )
                                Owner.objects.get_or_create(household=household, name=name)
    return DemoContext(street=street, communities=communities, company=company, stdout=stdout)


def seed_accounts(ctx: DemoContext) -> None:
    xingfu = ctx.communities["xingfu"]
    households = list(Household.objects.for_community(xingfu).order_by("building__name", "unit", "room"))
    for index, (email, name, role, slug) in enumerate(ACCOUNTS):
        phone = PHONES.get(email, "")
        # A proven number: the demo accounts log in by phone and SMS code too (README).
        extra = {"phone": phone, "phone_verified": True if phone else None}
        if role == Role.PROPERTY:
            extra["property_company"] = ctx.company
        if role == Role.STREET:
            extra["street_office"] = ctx.street
        if role is None:
            extra.update(is_superuser=True, is_staff=True)
        user = _user(email, name, **extra)
        if phone and str(user.phone) == phone and not user.phone_verified:  # seeded before phone login
            User.objects.filter(pk=user.pk).update(phone_verified=True)
        if slug:
            _member(user, ctx.communities[slug], role, households[index])
        ctx.users[str(role) if role else "admin"] = user
    # Neighbours who support requests and sit in meetings.
    for i in range(1, 13):
        user = _user(f"neighbour{i}@demo.cn", f"{SURNAMES[i]}{GIVEN[i]}")
        _member(user, xingfu, Role.RESIDENT, households[10 + i])
        ctx.neighbours.append(user)

"""A community created or copied in the Wagtail admin gets its four-party meetings page."""

from wagtail import hooks

from cms.models import CommunityPage

from .services.pages import meeting_index_ensure


@hooks.register("after_create_page")
def give_a_new_community_its_meetings_page(request, page):
    if isinstance(page.specific, CommunityPage):
        meeting_index_ensure(page.specific)


@hooks.register("after_copy_page")
def give_a_copied_community_its_meetings_page(request, page, new_page):
    if isinstance(new_page.specific, CommunityPage):
        meeting_index_ensure(new_page.specific)

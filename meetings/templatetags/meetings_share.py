from django import template

from .. import sharing

register = template.Library()


@register.simple_tag
def meeting_share(meeting):
    """``{% meeting_share meeting as share %}{% share_meta share %}``"""
    return sharing.meeting_share(meeting)


@register.simple_tag
def resolution_share(resolution):
    return sharing.resolution_share(resolution)


@register.simple_tag
def resolutions_share(community, meeting=None):
    return sharing.resolutions_share(community, meeting)


@register.simple_tag
def owners_vote_share(vote):
    return sharing.owners_vote_share(vote)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Site")

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import Site

        from .sites import site_changed

        post_save.connect(site_changed, sender=Site, dispatch_uid="cms.sites.saved")
        post_delete.connect(site_changed, sender=Site, dispatch_uid="cms.sites.deleted")

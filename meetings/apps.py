from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Four-party meetings")

    def ready(self):
        from deliberation.services.delivery import register_renderer

        from . import mail

        register_renderer(mail.RENDERER, mail.render_delivery)

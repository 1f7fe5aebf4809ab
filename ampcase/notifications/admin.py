from django.contrib import admin

from .models import OutboxMail


@admin.register(OutboxMail)
class OutboxMailAdmin(admin.ModelAdmin):
    """The outbox, to see what waits or failed. Mails hold no personal data by design."""

    list_display = ["created_at", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["state"]
    readonly_fields = [field.name for field in OutboxMail._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

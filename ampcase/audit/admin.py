from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail can be browsed and filtered, never changed."""

    list_display = (
        "created_at",
        "actor",
        "organisation",
        "action",
        "object_type",
        "object_id",
        "summary",
        "ip_address",
    )
    list_filter = ("action", "object_type", "organisation", "created_at")
    list_select_related = ("actor", "organisation")
    search_fields = ("object_id", "actor__username", "action")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

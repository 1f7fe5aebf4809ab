from .services import unread_count


def bell(request) -> dict:
    """The unread count for the bell in the header: one query, for signed-in users only."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {}
    return {"unread_notifications": unread_count(user)}

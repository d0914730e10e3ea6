def notifications(request):
    """The unread count beside the bell in the header (one indexed count per page)."""
    from civicdx.digilab.selectors import unread_notifications

    return {"unread_notifications": unread_notifications(getattr(request, "user", None))}

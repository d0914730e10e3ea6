from django.conf import settings

from civicdx.core.permissions import is_dx_office


def site(request):
    user = getattr(request, "user", None)
    municipality = getattr(user, "municipality", None) if user and user.is_authenticated else None
    return {"site_municipality": municipality, "site_is_demo": bool(municipality and municipality.is_demo),
            "site_debug": settings.DEBUG, "user_is_dx_office": is_dx_office(user)}

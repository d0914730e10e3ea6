"""Who may do what. Every service and selector asks here first (CKAN's action/auth twin)."""

from __future__ import annotations

from civicdx.core.errors import PermissionDeniedError
from civicdx.core.models import Municipality, OrgUnit, User


def is_admin(user: User) -> bool:
    return bool(user and user.is_authenticated and (user.role == User.Role.ADMIN or user.is_superuser))


def command_line_actor() -> User:
    """Whoever can run the command line can read the database: commands act as an unsaved administrator
    (audit events name it "cli")."""
    return User(username="cli", role=User.Role.ADMIN, is_superuser=True)


def is_dx_office(user: User) -> bool:
    """システム管理者 or DX推進担当: runs the survey and the analysis for the whole municipality."""
    return bool(user and user.is_authenticated and (user.role in (User.Role.ADMIN, User.Role.DX) or user.is_superuser))


def sees_everything(user: User) -> bool:
    """システム管理者 and DX推進担当 see the whole municipality; so does a viewer without an org unit."""
    if not (user and user.is_authenticated):
        return False
    if is_dx_office(user):
        return True
    return user.role == User.Role.VIEWER and user.org_unit_id is None


def scope_path(user: User) -> str | None:
    """None when the user sees the whole municipality, else the path prefix of its 課 or 係.

    Paths survive reorganisations: a 係 editor keeps its scope in other fiscal years' trees as long as the
    名称 path is unchanged.
    """
    if sees_everything(user):
        return None
    if user.org_unit_id is None:
        return "\x00no-scope"  # an editor without a unit sees nothing
    return user.org_unit.path


def path_in_scope(path: str, scope: str | None) -> bool:
    return scope is None or path == scope or path.startswith(scope + "/")


def check_municipality(user: User, municipality: Municipality | int) -> None:
    municipality_id = municipality if isinstance(municipality, int) else municipality.pk
    if is_admin(user) and user.municipality_id is None:
        return
    if user.municipality_id != municipality_id:
        raise PermissionDeniedError("この団体のデータを見る権限がありません。")


def can_view_unit(user: User, unit: OrgUnit) -> bool:
    if not (user and user.is_authenticated):
        return False
    if not (is_admin(user) and user.municipality_id is None) and user.municipality_id != unit.municipality_id:
        return False
    return path_in_scope(unit.path, scope_path(user))


def can_edit_unit(user: User, unit: OrgUnit) -> bool:
    """DX推進担当 and administrators edit everything; 所属編集者 edit their own 課 or 係; viewers nothing."""
    if not can_view_unit(user, unit):
        return False
    return is_dx_office(user) or user.role == User.Role.EDITOR


def can_confirm_section(user: User, section: OrgUnit) -> bool:
    """課 confirmation of a 係's answer: the DX office, or an editor of the 課 (or above) the 係 belongs to."""
    if not can_edit_unit(user, section):
        return False
    return is_dx_office(user) or (user.org_unit is not None and user.org_unit.kind != OrgUnit.Kind.SECTION)


def check_view_unit(user: User, unit: OrgUnit) -> None:
    if not can_view_unit(user, unit):
        raise PermissionDeniedError("この所属のデータを見る権限がありません。")


def check_edit_unit(user: User, unit: OrgUnit) -> None:
    if not can_edit_unit(user, unit):
        raise PermissionDeniedError("この所属のデータを編集する権限がありません。")


def check_dx(user: User) -> None:
    if not is_dx_office(user):
        raise PermissionDeniedError("この操作はDX推進担当またはシステム管理者だけが行えます。")


def check_admin(user: User) -> None:
    if not is_admin(user):
        raise PermissionDeniedError("この操作はシステム管理者だけが行えます。")


def _same_city(user: User, municipality_id: int) -> bool:
    return (is_admin(user) and user.municipality_id is None) or user.municipality_id == municipality_id


def can_view_division(user: User, division: OrgUnit) -> bool:
    """A 課's own people (課 and its 係, any role) and the centre (DX推進担当, 管理者): who sees work a 課 brought
    to the centre (minutes, OCR batches)."""
    if not (user and user.is_authenticated) or not _same_city(user, division.municipality_id):
        return False
    if is_dx_office(user):
        return True
    scope = scope_path(user)
    return scope is not None and (path_in_scope(division.path, scope) or path_in_scope(scope, division.path))


def can_edit_division(user: User, division: OrgUnit) -> bool:
    return can_view_division(user, division) and (is_dx_office(user) or user.role == User.Role.EDITOR)

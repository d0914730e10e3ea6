"""Who may read, edit and approve flows and manuals.

Everyone with access to the municipality reads them, unless marked restricted: then only the owning 係's scope
(its 係 and 課 editors and viewers) and the DX office. A 係 edits its own (editors whose scope holds the 係, and the
DX office); 係長 and above (``User.can_approve``) approve manuals of the units they may edit.
"""

from __future__ import annotations

from civicdx.core.errors import PermissionDeniedError
from civicdx.core.models import User
from civicdx.core.permissions import is_admin, is_dx_office, path_in_scope, scope_path


def can_read(user: User, municipality_id: int, section_path: str, restricted: bool) -> bool:
    if not (user and user.is_authenticated):
        return False
    if not (is_admin(user) and user.municipality_id is None) and user.municipality_id != municipality_id:
        return False
    return not restricted or path_in_scope(section_path, scope_path(user))


def check_read(user: User, municipality_id: int, section_path: str, restricted: bool) -> None:
    if not can_read(user, municipality_id, section_path, restricted):
        raise PermissionDeniedError("この業務のフロー・マニュアルを見る権限がありません（閲覧制限あり）。")


def can_edit(user: User, item) -> bool:
    """``item`` is a Flow or a Manual (saved or not): anything with municipality_id and section_path."""
    if not can_read(user, item.municipality_id, item.section_path, False):
        return False
    if is_dx_office(user):
        return True
    return user.role == User.Role.EDITOR and path_in_scope(item.section_path, scope_path(user))


def check_edit(user: User, item) -> None:
    if not can_edit(user, item):
        raise PermissionDeniedError("この業務のフロー・マニュアルを編集できるのは、担当の係（とその課）の編集者と"
                                    "DX推進担当です。")


def can_approve(user: User, item) -> bool:
    return can_edit(user, item) and (is_dx_office(user) or user.can_approve)


def check_approve(user: User, item) -> None:
    if not can_approve(user, item):
        raise PermissionDeniedError("マニュアルを承認できるのは、担当の係の係長以上（承認権限のある職員）です。")

"""Who may see and change minutes: the requesting 課 (its 係 included) and the centre (DX推進担当, 管理者)."""

from __future__ import annotations

from civicdx.core.errors import NotFoundError, PermissionDeniedError
from civicdx.core.models import OrgUnit, User
from civicdx.core.permissions import can_edit_division, can_view_division, is_dx_office


def check_view(user: User, meeting) -> None:
    """Another 課's meeting is reported as not found, so its existence does not leak."""
    if not can_view_division(user, meeting.division):
        raise NotFoundError("議事録が見つかりません。")


def check_edit(user: User, meeting) -> None:
    check_view(user, meeting)
    if not can_edit_division(user, meeting.division):
        raise PermissionDeniedError("この議事録を編集する権限がありません（所属の編集者とデジラボだけが編集できます）。")


def check_vocabulary(user: User, division: OrgUnit | None) -> None:
    """City-wide words are the centre's; a 課's words are its editors'."""
    if division is None:
        if not is_dx_office(user):
            raise PermissionDeniedError("全庁共通の単語登録はデジラボ（DX推進担当）だけが編集できます。")
    elif not can_edit_division(user, division):
        raise PermissionDeniedError("この課の単語登録を編集する権限がありません。")

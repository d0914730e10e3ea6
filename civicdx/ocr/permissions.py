"""Who may do what in AI-OCR: the centre (DX推進担当, 管理者) defines forms; a 課 (its 係 included) sees its own
batches, its editors upload and check them; another 課 is told a batch does not exist."""

from __future__ import annotations

from civicdx.core.errors import NotFoundError, PermissionDeniedError
from civicdx.core.models import User
from civicdx.core.permissions import can_edit_division, can_view_division, is_dx_office


def check_define(user: User) -> None:
    if not is_dx_office(user):
        raise PermissionDeniedError("帳票定義を作成・変更できるのはデジラボ（DX推進担当）だけです。")


def check_view(user: User, batch) -> None:
    if not can_view_division(user, batch.division):
        raise NotFoundError("読取バッチが見つかりません。")


def check_edit(user: User, batch) -> None:
    check_view(user, batch)
    if not can_edit_division(user, batch.division):
        raise PermissionDeniedError("このバッチを確認・変更する権限がありません（所属の編集者とデジラボだけが行えます）。")

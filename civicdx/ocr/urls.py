from django.urls import path

from civicdx.ocr import views

app_name = "ocr"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("new/", views.batch_new, name="new"),
    path("forms/", views.form_list, name="forms"),
    path("forms/<int:definition_id>/", views.form_page, name="form"),
    path("forms/<int:definition_id>/v<int:number>.png", views.form_template, name="template"),
    path("settings/", views.settings_page, name="settings"),
    path("<int:batch_id>/", views.batch_page, name="batch"),
    path("<int:batch_id>/status.json", views.batch_status, name="status"),
    path("<int:batch_id>/next/", views.batch_next, name="next"),
    path("<int:batch_id>/pages/<int:page_id>/", views.page_check, name="page"),
    path("<int:batch_id>/pages/<int:page_id>/image", views.page_image, name="image"),
    path("<int:batch_id>/export/<int:definition_id>.<str:fmt>", views.batch_export, name="export"),
    path("<int:batch_id>/<str:action>/", views.batch_action, name="action"),
]

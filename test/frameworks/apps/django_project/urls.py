from django.urls import path

from . import views

urlpatterns = [
    path('text', views.text),
    path('json', views.json_route),
    path('html', views.html),
    path('query', views.query),
    path('form', views.form),
    path('json-body', views.json_body),
    path('redirect', views.go_elsewhere),
    path('cookies', views.cookies),
    path('custom-status', views.custom_status),
    path('stream', views.stream),
    path('boom', views.boom),
]

from django.urls import path, re_path
from django.views.static import serve

from . import views
from .settings import HERE

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
    # The apps' shared static folder (static/linked.html is a symlink to templates/page.html).
    re_path(r'^static/(?P<path>.*)$', serve, {'document_root': HERE.parent / 'static'}),
]

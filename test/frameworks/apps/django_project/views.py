"""The framework suite's routes as Django views: the same paths as flask_app.py and bottle_app.py."""
import json

from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render

TEXT = 'text/plain; charset=utf-8'


def text(request):
    return HttpResponse('Hello from Django\n', content_type=TEXT)


def json_route(request):
    return JsonResponse({'framework': 'django', 'numbers': [1, 2, 3], 'accented': 'café ☕'})


def html(request):
    return render(request, 'page.html', {'name': request.GET.get('name', 'world'), 'items': ['one', 'two', '<three>']})


def query(request):
    return HttpResponse('words: ' + ' | '.join(request.GET.getlist('word')) + '\n', content_type=TEXT)


def form(request):
    if request.method != 'POST':
        return HttpResponseNotAllowed(['POST'])
    fields = sorted((key, value) for key in request.POST for value in request.POST.getlist(key))
    return HttpResponse(''.join(f'{key}={value}\n' for key, value in fields), content_type=TEXT)


def json_body(request):
    if request.method != 'POST':
        return HttpResponseNotAllowed(['POST'])
    data = json.loads(request.body)
    return JsonResponse({'total': sum(data['numbers']), 'greeting': data['greeting'].upper()})


def go_elsewhere(request):
    return redirect('/text')


def cookies(request):
    response = HttpResponse('cookies set\n', content_type=TEXT)
    response.set_cookie('first', 'one')
    response.set_cookie('second', 'two', path='/cookies', httponly=True)
    response.set_cookie('third', 'three', expires='Wed, 01 Jan 2031 00:00:00 GMT', samesite='Lax')
    response.delete_cookie('gone')
    return response


def custom_status(request):
    return HttpResponse('custom status\n', status=299, reason='Fine Enough', content_type=TEXT)


# 40 lines of about 2 KiB: over wsgi-edge's 64 KiB pulled at once (SYNC_PULL_BYTES), so it is sent as a stream.
def stream(request):
    prefix = request.GET.get('prefix', 'chunk')
    lines = (f'{prefix} {i} {request.path} ' + '.' * 2048 + '\n' for i in range(40))
    return StreamingHttpResponse(lines, content_type=TEXT)


def boom(request):
    return HttpResponse(str(1 / 0))

"""toolkit.csrf: a kept copy's placeholder inputs get the token of the request or context that sends it."""

from django.template import Context
from django.test import RequestFactory

from toolkit.csrf import (
    CSRF_PLACEHOLDER,
    PLACEHOLDER_INPUT,
    with_context_token,
    with_request_token,
    with_token,
)

COPY = f'<form method="post">{PLACEHOLDER_INPUT}<p>Say {CSRF_PLACEHOLDER} here</p></form>{PLACEHOLDER_INPUT}'


def test_only_whole_inputs_are_replaced():
    html = with_token(COPY, "tok")
    assert html.count('name="csrfmiddlewaretoken" value="tok"') == 2
    assert f"Say {CSRF_PLACEHOLDER} here" in html  # text that merely names the placeholder is left alone


def test_a_token_is_escaped_as_the_template_tag_escapes_it():
    assert 'value="a&quot;&gt;b"' in with_token(PLACEHOLDER_INPUT, 'a">b')


def test_the_request_token_is_a_working_one():
    request = RequestFactory().get("/")
    html = with_request_token(COPY, request)
    assert PLACEHOLDER_INPUT not in html and "CSRF_COOKIE" in request.META


def test_a_context_gives_one_token_to_every_part():
    token = "contexttoken"
    first = with_context_token(COPY, Context({"csrf_token": token}))
    assert first.count(f'value="{token}"') == 2


def test_a_context_without_a_token_leaves_the_inputs_out():
    for context in (Context({}), Context({"csrf_token": "NOTPROVIDED"})):
        html = with_context_token(COPY, context)
        assert "csrfmiddlewaretoken" not in html and "<form" in html

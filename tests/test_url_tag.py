"""``{% url %}`` remembers its answers (toolkit/url_tag.py): it must answer exactly as Django's tag does,
for every form of the tag, and follow the script prefix and URLconf in force."""

import pytest
from django.template import Context, Engine, Template, engines
from django.template.defaulttags import URLNode as DjangoURLNode
from django.urls import NoReverseMatch, reverse, set_script_prefix

from toolkit.url_tag import URLNode, _reverse


def both(source, **context):
    """What the project's engine (with the builtin) and a plain Django engine render."""
    ours = engines["django"].from_string(source).render(context)
    plain = Template(source, engine=Engine(libraries={}, builtins=[])).render(Context(context))
    return ours, plain


def test_every_template_gets_the_remembering_tag():
    nodes = engines["django"].from_string("{% url 'home' %}").template.nodelist
    assert isinstance(nodes[0], URLNode) and isinstance(nodes[0], DjangoURLNode)


@pytest.mark.parametrize(
    "source",
    [
        "{% url 'home' %}",
        "{% url 'indicators:framework_list' %}",
        "{% url 'review:overview' code=code %}",
        "{% url 'review:overview' code %}",
        "{% url 'review:finding' code 'R.1.1' %}",
        "{% url 'admin:assessments_finding_change' 7 %}",
        "{% url 'review:overview' code=code as link %}[{{ link }}]",
        "{% url 'no-such-name' as link %}[{{ link }}]",
        "{% autoescape off %}{% url 'review:overview' code=code %}{% endautoescape %}",
    ],
)
def test_it_answers_as_djangos_tag(source):
    for code in ("khm-2023", "a-b_c"):
        ours, plain = both(source, code=code)
        assert ours == plain
        # Asked again (now from memory): the same.
        assert both(source, code=code)[0] == ours


def test_an_unknown_name_still_fails_loudly():
    with pytest.raises(NoReverseMatch):
        engines["django"].from_string("{% url 'no-such-name' %}").render({})
    with pytest.raises(NoReverseMatch):  # and again: failures are never remembered as answers
        engines["django"].from_string("{% url 'no-such-name' %}").render({})


def test_the_script_prefix_is_part_of_the_answer():
    template = engines["django"].from_string("{% url 'review:overview' code='khm-2023' %}")
    try:
        set_script_prefix("/roamx/")
        assert (
            template.render({})
            == "/roamx/a/khm-2023/review/"
            == reverse("review:overview", args=["khm-2023"])
        )
    finally:
        set_script_prefix("/")
    assert template.render({}) == "/a/khm-2023/review/"


class Unhashable:
    __hash__ = None

    def __str__(self):
        return "x-1"


def test_unhashable_arguments_are_passed_to_reverse():
    before = _reverse.cache_info()
    out = (
        engines["django"].from_string("{% url 'review:overview' code=code %}").render({"code": Unhashable()})
    )
    assert out == "/a/x-1/review/"
    after = _reverse.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)  # not looked up in memory at all


def test_pages_render_their_links(client, assessment, members):
    client.force_login(members["mab"])
    body = client.get(reverse("review:overview", args=["khm-2023"])).content.decode()
    for name in ("review:matrix", "review:report", "review:endorsements"):
        assert f'href="{reverse(name, args=["khm-2023"])}"' in body

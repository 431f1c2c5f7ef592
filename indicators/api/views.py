from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from indicators.api.serializers import FrameworkSerializer, FrameworkTreeSerializer, IndicatorSerializer
from indicators.filters import IndicatorFilter
from indicators.models import Framework, Indicator
from indicators.queries import framework_tree, frameworks_with_counts
from toolkit.rest import PlainViewMixin


class FrameworkViewSet(PlainViewMixin, viewsets.ReadOnlyModelViewSet):
    """Framework editions; one edition's detail carries its whole tree. Anyone signed in may read."""

    queryset = frameworks_with_counts().order_by("-year", "code")
    serializer_class = FrameworkSerializer
    lookup_field = "code"
    lookup_url_kwarg = "edition"
    lookup_value_regex = "[^/]+"

    @extend_schema(responses=FrameworkTreeSerializer)
    def retrieve(self, request, *args, **kwargs):
        framework = self.get_object()
        framework.tree, _count = framework_tree(framework)
        return Response(FrameworkTreeSerializer(framework, context=self.get_serializer_context()).data)


class IndicatorViewSet(
    PlainViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The indicators of one edition, filterable by category, theme, core, kind and text."""

    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    lookup_field = "code"
    lookup_url_kwarg = "indicator"
    lookup_value_regex = "[^/]+"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.framework = get_object_or_404(Framework, code=kwargs["edition"])

    def get_queryset(self):
        queryset = Indicator.objects.select_related("framework", "category", "question__theme").order_by(
            "order"
        )
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        return queryset.filter(framework=self.framework)

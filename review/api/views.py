"""Comments and validation votes: thin viewsets over ``review.services`` (which check the review rules
themselves) and the same visibility as the pages (members only, through ``assessments.rules``)."""

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments.api.scoped import AssessmentScopedMixin
from assessments.models import Membership
from review import services
from review.api.filters import CommentFilter, VoteFilter
from review.api.serializers import (
    CommentCreateSerializer,
    CommentEditSerializer,
    CommentSerializer,
    ResolveSerializer,
    VoteCreateSerializer,
    VoteSerializer,
)
from review.api.targets import TYPES
from review.models import Comment, Vote
from toolkit.rest import ID, NoBodySerializer


def target_querysets():
    """Each target type's queryset for the generic prefetch: what a comment's target key needs."""
    querysets = []
    for target_type in TYPES.values():
        objects = target_type.model._default_manager.all()
        if target_type.key == "indicator":
            objects = objects.select_related("indicator")
        querysets.append(objects)
    return querysets


class CommentViewSet(
    AssessmentScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Comments on findings, report sections and recommendations. Members read and write; each may edit
    their own for a short time; researchers and leads resolve (a MAB member's comment with a disposition
    and a reason) and reopen."""

    serializer_class = CommentSerializer
    filterset_class = CommentFilter
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "head", "options"]

    # The API's names of the review's actions; their rules are services.ACTION_PERMS.
    ACTIONS = {"create": "comment", "partial_update": "edit", "resolve": "resolve", "reopen": "reopen"}

    @property
    def write_perm(self):
        # A method the viewset lacks (PUT, DELETE) has no action: members still get their 405.
        return services.ACTION_PERMS[self.ACTIONS.get(self.action, "comment")]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return (
            Comment.objects.filter(assessment=self.assessment)
            .select_related("author", "resolved_by", "content_type")
            .prefetch_related("mentions", GenericPrefetch("target", target_querysets()))
            .order_by("created", "pk")
        )

    def respond(self, comment, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=comment.pk)).data, status=code)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def create(self, request, *args, **kwargs):
        serializer = CommentCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = None
        if data.get("parent"):
            parent = self.get_queryset().filter(pk=data["parent"]).first()
            if parent is None:
                raise exceptions.ValidationError({"parent": [_("This assessment has no such comment.")]})
        target = data.get("target") or parent.target
        comment = services.add_comment(target, by=request.user, body=data["body"], parent=parent)
        return self.respond(comment, status.HTTP_201_CREATED)

    @extend_schema(request=CommentEditSerializer, responses={200: CommentSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Edit your own comment's text, within the edit window (``editable_until``) and only until the
        team resolves it: a resolved comment is frozen (400), also after a reopen."""
        comment = self.get_object()
        serializer = CommentEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.edit_comment(comment, by=request.user, body=serializer.validated_data["body"])
        return self.respond(comment)

    @extend_schema(request=ResolveSerializer, responses={200: CommentSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, *args, **kwargs):
        """Resolve a comment; a MAB member's comment needs a disposition and a reason."""
        comment = self.get_object()
        serializer = ResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.resolve_comment(comment, by=request.user, **serializer.validated_data)
        return self.respond(comment)

    @extend_schema(request=None, responses={200: CommentSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        comment = self.get_object()
        NoBodySerializer(data=request.data).is_valid(raise_exception=True)
        services.reopen_comment(comment, by=request.user)
        return self.respond(comment)


def stakeholder_group():
    return Subquery(
        Membership.objects.filter(assessment=OuterRef("finding__assessment"), user=OuterRef("member")).values(
            "stakeholder_group"
        )[:1]
    )


class VoteViewSet(
    AssessmentScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """MAB members' validation of findings. Members read; a MAB member endorses a finding or asks for its
    revision (with a comment); voting again replaces their vote."""

    serializer_class = VoteSerializer
    filterset_class = VoteFilter
    lookup_value_regex = ID
    write_perm = services.ACTION_PERMS["vote"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Vote.objects.none()
        return (
            Vote.objects.filter(finding__assessment=self.assessment, finding__archived=False)
            .select_related("member", "finding__indicator")
            .annotate(stakeholder_group=stakeholder_group())
            .order_by("finding__indicator__order", "member__username")
        )

    @extend_schema(request=VoteCreateSerializer, responses={200: VoteSerializer, 201: VoteSerializer})
    def create(self, request, *args, **kwargs):
        """Endorse (``endorse``) or ask for revision (``needs_revision``, with ``body``). 201 for a first
        vote on the finding, 200 when it replaces yours."""
        serializer = VoteCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        finding = data["finding"]
        existed = Vote.objects.filter(finding=finding, member=request.user).exists()
        vote = services.cast_vote(
            finding, by=request.user, verdict=data["verdict"], body=data.get("body", "")
        )
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(self.get_serializer(self.get_queryset().get(pk=vote.pk)).data, status=code)

"""Comments and validation votes. Reading and writing use different serializers (pretalx's split):
what a client sends is checked here for shape only; the rules are applied by ``review.services``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.api.serializers import FindingCodeField
from assessments.choices import Role, StakeholderGroup
from review.api.targets import TYPES, is_open, type_of
from review.choices import Disposition, Verdict
from review.models import Comment, Vote
from review.services import MAX_COMMENT
from toolkit.rest import StrictFieldsMixin

TARGET_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": list(TYPES)},
        "indicator": {"type": "string", "description": "For a finding: its indicator's code (R.1.1)."},
        "kind": {"type": "string", "description": "For a report section: its kind (executive_summary)."},
        "id": {"type": "integer", "description": "For a recommendation or a follow-up: its id."},
    },
    "required": ["type"],
    "additionalProperties": False,
}


@extend_schema_field(TARGET_SCHEMA)
class TargetField(serializers.Field):
    """What a comment is on, e.g. ``{"type": "finding", "indicator": "R.1.1"}``."""

    default_error_messages = {
        "invalid": _('Give an object such as {{"type": "finding", "indicator": "R.1.1"}}.'),
        "type": _("The type must be one of: %(types)s."),
        "closed": _("Comments on a %(type)s are not open in this installation."),
        "key": _("Name the %(type)s with “%(key)s”."),
        "unknown": _("Unknown key “%(unknown)s”: a %(type)s is named by “type” and “%(key)s”."),
        "missing": _("This assessment has no %(type)s “%(value)s”."),
    }

    def to_representation(self, comment):
        target_type = type_of(comment.content_type)
        target = comment.target
        data = {"type": target_type.name if target_type else comment.content_type.model}
        if target_type and target is not None:
            data[target_type.key] = target_type.key_of(target)
        return data

    def get_attribute(self, comment):
        return comment

    def to_internal_value(self, data):
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            self.fail("invalid")
        target_type = TYPES.get(data["type"])
        if target_type is None:
            raise serializers.ValidationError(self.error_messages["type"] % {"types": ", ".join(TYPES)})
        if not is_open(target_type):
            raise serializers.ValidationError(self.error_messages["closed"] % {"type": target_type.label})
        unknown = sorted(set(data) - {"type", target_type.key})
        if unknown:
            raise serializers.ValidationError(
                self.error_messages["unknown"]
                % {"unknown": unknown[0], "type": target_type.label, "key": target_type.key}
            )
        value = data.get(target_type.key)
        valid = isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63
        if target_type.key != "id":
            valid = isinstance(value, str) and 0 < len(value) <= 100 and "\x00" not in value
        if not valid:
            raise serializers.ValidationError(
                self.error_messages["key"] % {"type": target_type.label, "key": target_type.key}
            )
        target = target_type.find(self.context["assessment"], value)
        if target is None:
            raise serializers.ValidationError(
                self.error_messages["missing"] % {"type": target_type.label, "value": value}
            )
        return target


class CommentSerializer(serializers.ModelSerializer):
    target = TargetField(read_only=True)
    author = serializers.CharField(source="author.username", read_only=True)
    author_name = serializers.SerializerMethodField()
    author_role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    mentions = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    disposition = serializers.ChoiceField(choices=Disposition.choices, allow_blank=True, read_only=True)
    resolved_by = serializers.CharField(
        source="resolved_by.username", read_only=True, allow_null=True, default=None
    )
    editable_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=_("Its author may edit it until then; null once the team has resolved it (frozen)."),
    )
    answered_body = serializers.CharField(
        read_only=True,
        help_text=_("The text as the team answered it (the comment-response matrix's); empty until then."),
    )
    text_digest = serializers.CharField(
        read_only=True,
        help_text=_("Names this text; send it when resolving, to refuse answering a text edited since."),
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "target",
            "parent",
            "author",
            "author_name",
            "author_role",
            "body",
            "mentions",
            "status",
            "disposition",
            "reason",
            "answered_body",
            "resolved_by",
            "resolved_at",
            "created",
            "edited",
            "updated",
            "editable_until",
            "text_digest",
        ]
        read_only_fields = fields

    def get_author_name(self, comment) -> str:
        return comment.author.get_full_name() or comment.author.username


class CommentCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    read_serializer = CommentSerializer
    target = TargetField(
        required=False, help_text=_("What the comment is on; may be left out in a reply (the parent's).")
    )
    parent = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("Reply to this comment."),
    )
    body = serializers.CharField(
        max_length=MAX_COMMENT, help_text=_("Markdown; @username mentions a member.")
    )

    def validate(self, attrs):
        if attrs.get("target") is None and not attrs.get("parent"):
            raise serializers.ValidationError(
                {"target": _("Say what the comment is on, or reply to a comment.")}
            )
        return attrs


class CommentEditSerializer(StrictFieldsMixin, serializers.Serializer):
    read_serializer = CommentSerializer
    body = serializers.CharField(max_length=MAX_COMMENT)


class ResolveSerializer(StrictFieldsMixin, serializers.Serializer):
    read_serializer = CommentSerializer
    disposition = serializers.ChoiceField(
        choices=Disposition.choices,
        required=False,
        allow_blank=True,
        help_text=_("Required for a MAB member's comment."),
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_COMMENT,
        help_text=_("Required for a MAB member's comment."),
    )
    text_digest = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=_(
            "The comment's text_digest as you read it: if its author edited it since, a 400 (read again)."
        ),
    )


class VoteSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="finding.indicator.code", read_only=True)
    member = serializers.CharField(source="member.username", read_only=True)
    member_name = serializers.SerializerMethodField()
    stakeholder_group = serializers.ChoiceField(
        choices=StakeholderGroup.choices, read_only=True, allow_null=True, allow_blank=True
    )
    verdict = serializers.ChoiceField(choices=Verdict.choices, read_only=True)
    comment = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Vote
        fields = [
            "id",
            "indicator",
            "member",
            "member_name",
            "stakeholder_group",
            "verdict",
            "comment",
            "created",
            "updated",
        ]
        read_only_fields = fields

    def get_member_name(self, vote) -> str:
        return vote.member.get_full_name() or vote.member.username


class VoteCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    read_serializer = VoteSerializer
    indicator = FindingCodeField(source="finding", help_text=_("The finding, by its indicator's code."))
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    body = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_COMMENT,
        help_text=_("The comment: required when asking for revision."),
    )

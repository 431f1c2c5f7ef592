"""The review's writes, each in one transaction. Each checks its permission (``ACTION_PERMS``, through
``assessments.rules.check``) and the rules about the object itself (author, edit window, resolved)."""

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.choices import FindingStatus, Role
from assessments.rules import Perm, check, role_of
from assessments.services import save_finding, transition
from review import targets
from review.choices import CommentStatus, Disposition, NotificationKind, Verdict
from review.models import Comment, LastSeen, Vote
from review.notifications import notify

# Who may do each of the review's writes: the one statement of each rule. The doors (the pages' action
# dispatch, the API's ``write_perm``) check it through ``assessments.rules`` before reading any input, and
# each service below checks it again for the write it performs, because several doors call it. What is
# not a role — only its author edits a comment, within the window, while unanswered — is checked here only.
ACTION_PERMS = {
    "comment": Perm.COMMENT,
    "edit": Perm.COMMENT,
    "resolve": Perm.RESOLVE_COMMENTS,
    "reopen": Perm.RESOLVE_COMMENTS,
    "vote": Perm.VALIDATE,
    "endorse": Perm.EDIT_EVIDENCE,
    "revise": Perm.EDIT_EVIDENCE,
}

# @username: Django usernames may hold letters, digits and @ . + - _; a trailing dot ends a sentence.
MENTION = re.compile(r"(?<![\w@])@([\w.@+-]+)")
MAX_COMMENT = 10_000


def comments_on(target):
    return Comment.objects.filter(content_type=ContentType.objects.get_for_model(target), object_id=target.pk)


def unresolved_mab_comments(target):
    """Open comments by MAB members on ``target``: while there are any, the team cannot endorse it."""
    return comments_on(target).filter(author_role=Role.MAB, status=CommentStatus.OPEN)


def refuse_endorsement_with_open_mab_comments(finding, new_status):
    """Registered with assessments.services, so every status change (admin, API, pages) obeys it."""
    if new_status == FindingStatus.ENDORSED:
        open_count = unresolved_mab_comments(finding).count()
        if open_count:
            raise ValidationError(
                {
                    "status": _(
                        "This finding still has %(n)d unresolved comment(s) from MAB members: "
                        "resolve them before marking it endorsed."
                    )
                    % {"n": open_count}
                }
            )


def mentioned_members(assessment, body):
    names = {name.rstrip(".") for name in MENTION.findall(body)}
    if not names:
        return []
    return list(
        get_user_model()
        .objects.filter(memberships__assessment=assessment, username__in=names, is_active=True)
        .distinct()
    )


def _clean_body(body):
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    if len(body) > MAX_COMMENT:
        raise ValidationError({"body": _("A comment can hold at most 10,000 characters.")})
    return body


def _who(user):
    return user.get_full_name() or user.username


def _notify_mentions(comment, users, *, by):
    def label():
        return targets.spec_for(comment.target).label(comment.target)

    for user in users:
        notify(
            user,
            NotificationKind.MENTION,
            subject=lambda: _("%(who)s mentioned you on %(what)s") % {"who": _who(by), "what": label()},
            body=comment.body,
            url=comment_url(comment),
            assessment=comment.assessment,
            actor=by,
        )


def comment_url(comment):
    return f"{targets.spec_for(comment.target).url(comment.target)}#comment-{comment.pk}"


@transaction.atomic
def add_comment(target, *, by, body, parent=None):
    spec = targets.spec_for(target)
    assessment = spec.assessment(target)
    check(by, assessment, ACTION_PERMS["comment"])
    body = _clean_body(body)
    content_type = ContentType.objects.get_for_model(target)
    if parent is not None and (parent.content_type_id, parent.object_id) != (content_type.pk, target.pk):
        raise ValidationError(_("You can only reply to a comment on the same item."))
    comment = Comment.objects.create(
        assessment=assessment,
        content_type=content_type,
        object_id=target.pk,
        category=spec.category(target),
        parent=parent,
        author=by,
        author_role=role_of(by, assessment) or "",
        body=body,
    )
    comment.target = target
    mentioned = mentioned_members(assessment, body)
    comment.mentions.set(mentioned)
    _notify_mentions(comment, mentioned, by=by)
    if parent is not None and parent.author not in mentioned:
        notify(
            parent.author,
            NotificationKind.REPLY,
            subject=lambda: (
                _("%(who)s replied to your comment on %(what)s")
                % {"who": _who(by), "what": spec.label(target)}
            ),
            body=body,
            url=comment_url(comment),
            assessment=assessment,
            actor=by,
        )
    return comment


FROZEN = _("The team has resolved this comment, so its text stays as they answered it. Add a reply instead.")
EDITED_MEANWHILE = _(
    "Its author edited this comment after you opened it: read the new text, then resolve it again."
)


TOO_LATE = _("The time to edit this comment has passed; add a reply instead.")


# Each check below is made twice: on the caller's copy, for a clear message, and again inside the one
# UPDATE that writes — the authority when an edit and a resolution of the same comment race (PostgreSQL
# makes the second UPDATE wait for the first's row and re-checks its WHERE; SQLite runs one writer at a
# time). As with save_finding, no row is read and then written on the strength of that read.


@transaction.atomic
def edit_comment(comment, *, by, body):
    """The author edits their comment within the edit window, and only while the team has not answered
    it: from its first resolution on (also after a reopen) the text is frozen."""
    check(by, comment.assessment, ACTION_PERMS["edit"])
    if comment.author_id != by.pk:
        raise PermissionDenied(_("Only its author can edit a comment."))
    if comment.is_frozen:
        raise ValidationError(FROZEN)
    if not comment.can_edit(by):
        raise ValidationError(TOO_LATE)
    body = _clean_body(body)
    now = timezone.now()
    window = timezone.timedelta(minutes=settings.REVIEW_COMMENT_EDIT_MINUTES)
    written = Comment.objects.filter(
        pk=comment.pk, status=CommentStatus.OPEN, answered_body="", created__gte=now - window
    ).update(body=body, edited=now, updated=now)
    if not written:
        current = Comment.objects.filter(pk=comment.pk).first()
        raise ValidationError(FROZEN if current is None or current.is_frozen else TOO_LATE)
    comment.body, comment.edited, comment.updated = body, now, now
    before = set(comment.mentions.values_list("pk", flat=True))
    mentioned = mentioned_members(comment.assessment, comment.body)
    comment.mentions.set(mentioned)
    _notify_mentions(comment, [u for u in mentioned if u.pk not in before], by=by)
    return comment


@transaction.atomic
def resolve_comment(comment, *, by, disposition="", reason="", text_digest=""):
    """Resolve a comment; a MAB member's needs a disposition and a reason. The text it answers is stored
    with it (``answered_body``). ``text_digest`` names the text the resolver read
    (``Comment.text_digest``): if the author edited it since, the resolution is refused."""
    check(by, comment.assessment, ACTION_PERMS["resolve"])
    if not comment.is_open:
        raise ValidationError(_("This comment is already resolved."))
    if text_digest and text_digest != comment.text_digest:
        raise ValidationError(EDITED_MEANWHILE)
    reason = (reason or "").strip()
    if disposition and disposition not in Disposition.values:
        raise ValidationError({"disposition": _("Choose a disposition from the list.")})
    if comment.is_mab:
        errors = {}
        if not disposition:
            errors["disposition"] = _("A MAB member's comment needs a disposition.")
        if not reason:
            errors["reason"] = _("Say why: the reason goes into the comment-response matrix.")
        if errors:
            raise ValidationError(errors)
    now = timezone.now()
    fields = {
        "status": CommentStatus.RESOLVED,
        "disposition": disposition,
        "reason": reason,
        "resolved_by": by,
        "resolved_at": now,
        "answered_body": comment.body,
        "updated": now,
    }
    # Written only if the stored text is the one checked above: the answer goes with the text it answers.
    written = Comment.objects.filter(pk=comment.pk, status=CommentStatus.OPEN, body=comment.body).update(
        **fields
    )
    if not written:
        current = Comment.objects.filter(pk=comment.pk).first()
        if current is not None and not current.is_open:
            raise ValidationError(_("This comment is already resolved."))
        raise ValidationError(EDITED_MEANWHILE)
    for field, value in fields.items():
        setattr(comment, field, value)
    return comment


def answered_in_thread(comment):
    """Whether the comment or any reply below it has been answered (resolved now or once)."""
    level = [comment.pk]
    while level:
        if (
            Comment.objects.filter(pk__in=level)
            .filter(Q(status=CommentStatus.RESOLVED) | ~Q(answered_body=""))
            .exists()
        ):
            return True
        level = list(Comment.objects.filter(parent__in=level).values_list("pk", flat=True))
    return False


@transaction.atomic
def reopen_comment(comment, *, by):
    """The team takes the comment up again. Its text stays frozen as answered (``answered_body`` is
    kept): the discussion goes on in replies, and the next resolution answers the same text."""
    check(by, comment.assessment, ACTION_PERMS["reopen"])
    fields = {
        "status": CommentStatus.OPEN,
        "disposition": "",
        "resolved_by": None,
        "resolved_at": None,
        "updated": timezone.now(),
    }
    Comment.objects.filter(pk=comment.pk).update(**fields)
    for field, value in fields.items():
        setattr(comment, field, value)
    return comment


@transaction.atomic
def cast_vote(finding, *, by, verdict, body=""):
    """A MAB member endorses the finding or asks for revision; asking for revision needs a comment."""
    check(by, finding.assessment, ACTION_PERMS["vote"])
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": _("Choose “endorse” or “needs revision”.")})
    comment = None
    if verdict == Verdict.NEEDS_REVISION:
        if not (body or "").strip():
            raise ValidationError({"body": _("Say what needs revising: a comment is required.")})
        comment = add_comment(finding, by=by, body=body)
    elif (body or "").strip():
        comment = add_comment(finding, by=by, body=body)
    vote, _created = Vote.objects.update_or_create(
        finding=finding, member=by, defaults={"verdict": verdict, "comment": comment}
    )
    if verdict == Verdict.NEEDS_REVISION:
        for recipient in _team_for(finding):
            notify(
                recipient,
                NotificationKind.NEEDS_REVISION,
                subject=lambda: (
                    _("%(who)s asks for revision of %(code)s")
                    % {"who": _who(by), "code": finding.indicator.code}
                ),
                body=body,
                url=comment_url(comment),
                assessment=finding.assessment,
                actor=by,
            )
    return vote


def _team_for(finding):
    """Who hears that a finding needs revision: its assignee, or else the lead researchers."""
    if finding.assignee_id:
        return [finding.assignee]
    return [m.user for m in finding.assessment.memberships.filter(role=Role.LEAD).select_related("user")]


@transaction.atomic
def endorse_finding(finding, *, by):
    """The team marks a finding endorsed; refused while MAB comments on it are unresolved."""
    check(by, finding.assessment, ACTION_PERMS["endorse"])
    return transition(finding, FindingStatus.ENDORSED, by=by)


@transaction.atomic
def revise_finding(finding, *, by, expected_version, narrative, score, special_score, narrative_second=None):
    """The researcher's quick revision from the review page, with the same edit-conflict check as the
    admin (EditConflict when someone else saved meanwhile). ``narrative_second`` is the second-language
    text of a bilingual assessment (None: left as it is)."""
    check(by, finding.assessment, ACTION_PERMS["revise"])
    fields = {"narrative": narrative, "score": score, "special_score": special_score}
    if narrative_second is not None:
        fields["narrative_second"] = narrative_second
    return save_finding(finding, by=by, expected_version=expected_version, fields=fields)


# How close to the recorded time a visit of an unchanged finding writes nothing (see record_seen).
SEEN_RESOLUTION = timedelta(minutes=1)


def record_seen(user, finding, seen=None):
    """Record what ``user`` sees of ``finding`` now (the basis of "changed since you last looked").

    ``seen``: their record as read before this visit (``queries.seen_by_one``). When it still holds the
    finding's narrative and score, only its time moves, in one conditional UPDATE (no history read, no
    transaction); it falls through to the full write if the record changed meanwhile. Within
    ``SEEN_RESOLUTION`` of the recorded time nothing is written at all: the page shows that time to the
    minute, and a reload (or a burst of them) costs no write and keeps the overview's cached list, whose
    key includes the reader's last-seen times."""
    if seen is not None and not seen.narrative_changed(finding) and not seen.score_changed(finding):
        now = timezone.now()
        if now - seen.seen_at < SEEN_RESOLUTION:
            return
        same = LastSeen.objects.filter(
            pk=seen.pk,
            narrative=finding.narrative,
            score=finding.score,
            special_score=finding.special_score,
        )
        if same.update(seen_at=now):
            return
    latest = finding.history.order_by("-history_date", "-history_id").values_list("history_id", flat=True)
    LastSeen.objects.update_or_create(
        user=user,
        finding=finding,
        defaults={
            "seen_at": timezone.now(),
            "history_id": latest.first(),
            "narrative": finding.narrative,
            "score": finding.score,
            "special_score": finding.special_score,
        },
    )

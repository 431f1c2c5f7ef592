from django.contrib import admin

from assessments.admin import AssessmentTimesMixin
from review import services
from review.models import Comment, Notification, NotificationPreference, Vote


@admin.register(Comment)
class CommentAdmin(AssessmentTimesMixin, admin.ModelAdmin):
    """For oversight only: comments are written and resolved on the review pages, where the rules live."""

    list_display = ["__str__", "assessment", "category", "author_role", "status", "disposition", "created"]
    list_filter = ["assessment", "status", "disposition", "author_role", "category"]
    search_fields = ["body", "reason", "author__username"]
    list_select_related = ["author", "content_type", "assessment"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        """Deleting a comment deletes its replies: refused when that would delete an answered one."""
        if obj is not None and services.answered_in_thread(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # The bulk delete would skip the per-comment check above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Vote)
class VoteAdmin(AssessmentTimesMixin, admin.ModelAdmin):
    assessment_lookup = "finding__assessment"
    list_display = ["finding", "member", "verdict", "updated"]
    list_filter = ["verdict", "finding__assessment"]
    list_select_related = ["finding__indicator", "finding__assessment", "member"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(NotificationPreference)


@admin.register(Notification)
class NotificationAdmin(AssessmentTimesMixin, admin.ModelAdmin):
    list_display = ["recipient", "kind", "subject", "created", "sent_at"]

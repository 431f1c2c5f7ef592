"""Django admin strings that Django's own Khmer catalogue leaves untranslated, here so makemessages puts
them in ours (which takes precedence) and the research workspace reads in Khmer on its main pages.

Nothing imports this module. The msgids are exactly Django's (django/contrib/admin); when Django
translates one itself, ours still wins. Only the strings of the pages people use are listed.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

ADMIN_MESSAGES = [
    gettext_noop("Action:"),
    gettext_noop("0 of %(cnt)s selected"),
    gettext_noop("Run the selected action"),
    gettext_noop("Click here to select the objects across all pages"),
    gettext_noop("Select all %(total_count)s %(module_name)s"),
    gettext_noop("Clear selection"),
    gettext_noop("View site"),
    gettext_noop("Search"),
    gettext_noop("Recent actions"),
    gettext_noop("My actions"),
    gettext_noop("Models in the %(name)s application"),
    gettext_noop("Add another %(verbose_name)s"),
    gettext_noop("None"),
    gettext_noop("Delete?"),
    gettext_noop("Summary"),
    gettext_noop("Objects"),
    gettext_noop("No, take me back"),
    gettext_noop("Delete multiple objects"),
    gettext_noop("Delete selected %(verbose_name_plural)s"),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    gettext_noop("Please correct the error below."),
    gettext_noop("Items must be selected in order to perform actions on them. No items have been changed."),
    gettext_noop("No action selected."),
    gettext_noop("Currently:"),
    gettext_noop("Change:"),
    gettext_noop("Toggle sorting"),
    gettext_noop("Remove from sorting"),
    gettext_noop("Sorting priority: %(priority_number)s"),
    gettext_noop("Unknown content"),
    gettext_noop("Administration"),
    gettext_noop("Start typing to filter…"),
    gettext_noop("Show counts"),
    gettext_noop("Hide counts"),
    gettext_noop(
        "Please enter the correct %(username)s and password for a staff account. Note that both fields may be case-sensitive."
    ),
    gettext_noop(
        "You are authenticated as %(username)s, but are not authorized to access this page. Would you like to login to a different account?"
    ),
    gettext_noop("Change selected %(model)s"),
    gettext_noop("Add another %(model)s"),
    gettext_noop("Delete selected %(model)s"),
    gettext_noop("Changed {fields}."),
    gettext_noop("Added."),
]

ADMIN_PLURALS = [
    ngettext_lazy("%(total_count)s selected", "%(total_count)s selected", 1),
    ngettext_lazy("%(counter)s result", "%(counter)s results", 1),
    ngettext_lazy(
        "%(count)s %(name)s was changed successfully.", "%(count)s %(name)s were changed successfully.", 1
    ),
]

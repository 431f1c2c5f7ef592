from django.db import migrations, models
from django.db.models import F


def record_answered_text(apps, schema_editor):
    """Comments resolved before this field existed were answered as they read now."""
    Comment = apps.get_model("review", "Comment")
    Comment.objects.filter(status="resolved").update(answered_body=F("body"))


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="answered_body",
            field=models.TextField(blank=True, verbose_name="text as answered"),
        ),
        migrations.RunPython(record_answered_text, migrations.RunPython.noop),
    ]

"""Existing timeline notes were stored as sentences: read each back into a kind and its
parameters (``texts.legacy_event``: the templates of the event's action, in each of the
site's languages). A note that matches none is a person's words or an old sentence and
stays as stored (no kind).

Reversible: ``note`` is never changed, so going back clears the kind and parameters. Uses
the templates as they are when it runs (the live registry): a template changed since a row
was written no longer matches it, and the row keeps its stored note."""

from django.db import migrations

BATCH = 2000


def forwards(apps, schema_editor):
    from linli.matters.texts import legacy_event

    MatterEvent = apps.get_model("matters", "MatterEvent")
    rows = MatterEvent.objects.filter(note_kind="").exclude(note="").order_by("pk")
    changed = []
    for row in rows.iterator(chunk_size=BATCH):
        found = legacy_event(row.action, row.note)
        if found is None:
            continue
        row.note_kind, row.note_params = found
        changed.append(row)
        if len(changed) >= BATCH:
            MatterEvent.objects.bulk_update(changed, ["note_kind", "note_params"])
            changed = []
    MatterEvent.objects.bulk_update(changed, ["note_kind", "note_params"])


def backwards(apps, schema_editor):
    MatterEvent = apps.get_model("matters", "MatterEvent")
    MatterEvent.objects.exclude(note_kind="").update(note_kind="", note_params={})


class Migration(migrations.Migration):
    dependencies = [("matters", "0005_texts_as_data")]

    operations = [migrations.RunPython(forwards, backwards)]

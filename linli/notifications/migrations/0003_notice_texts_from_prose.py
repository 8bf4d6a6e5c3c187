"""Existing notices were stored as sentences: read each back into its kind's parameters
(``texts.legacy_notice``, matching the sentence against the kind's template in each of the
site's languages); a text that matches nothing becomes kind ``legacy`` (the old kind kept in
its parameters) and is shown as stored.

Reversible: ``text`` is never changed, so going back restores the old kind and clears the
parameters. Uses the templates as they are when it runs (the live registry): a template
changed since a row was written no longer matches it, and the row stays legacy text."""

from django.db import migrations

BATCH = 2000


def forwards(apps, schema_editor):
    from linli.notifications.texts import legacy_notice

    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.filter(params={}).exclude(kind="legacy").order_by("pk")
    changed = []
    for row in rows.iterator(chunk_size=BATCH):
        row.kind, row.params = legacy_notice(row.kind, row.text)
        changed.append(row)
        if len(changed) >= BATCH:
            Notification.objects.bulk_update(changed, ["kind", "params"])
            changed = []
    Notification.objects.bulk_update(changed, ["kind", "params"])


def backwards(apps, schema_editor):
    from linli.notifications.texts import LEGACY, SPLIT_KINDS

    Notification = apps.get_model("notifications", "Notification")
    changed = []
    for row in Notification.objects.order_by("pk").iterator(chunk_size=BATCH):
        if row.kind == LEGACY:
            row.kind = str(row.params.get("was", LEGACY))[:32]
        row.kind = SPLIT_KINDS.get(row.kind, row.kind)
        row.params = {}
        changed.append(row)
    Notification.objects.bulk_update(changed, ["kind", "params"], batch_size=BATCH)


class Migration(migrations.Migration):
    # The kinds' templates are code, registered by the apps that send notices when Django
    # starts (their ``AppConfig.ready``), so no other app's migration is needed first.
    dependencies = [("notifications", "0002_texts_as_data")]

    operations = [migrations.RunPython(forwards, backwards)]

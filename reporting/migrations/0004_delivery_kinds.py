# Delivery kinds (reporting.delivery_kinds): every delivery names its kind; kinds other
# than the built-in "webhook" and "email" point at their target through a generic relation.

import django.db.models.deletion
from django.db import migrations, models

FILL_KIND = """
UPDATE reporting_delivery SET kind = CASE WHEN webhook_id IS NOT NULL THEN 'webhook' ELSE 'email' END
"""


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('reporting', '0003_dailyreport_day_index'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='delivery',
            name='delivery_one_target',
        ),
        migrations.AddField(
            model_name='delivery',
            name='kind',
            field=models.CharField(default='email', help_text='How it is sent (reporting.delivery_kinds)', max_length=32),
            preserve_default=False,
        ),
        migrations.RunSQL(FILL_KIND, migrations.RunSQL.noop, elidable=False),
        migrations.AddField(
            model_name='delivery',
            name='target_id',
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='delivery',
            name='target_type',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contenttypes.contenttype'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(fields=['target_type', 'target_id'], name='delivery_target'),
        ),
        migrations.AddConstraint(
            model_name='delivery',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'webhook'), ('recipient__isnull', True), ('target_id__isnull', True), ('webhook__isnull', False)), models.Q(('kind', 'email'), ('recipient__isnull', False), ('target_id__isnull', True), ('webhook__isnull', True)), models.Q(models.Q(('kind__in', ('webhook', 'email')), _negated=True), ('recipient__isnull', True), ('target_id__isnull', False), ('target_type__isnull', False), ('webhook__isnull', True)), _connector='OR'), name='delivery_one_target'),
        ),
    ]

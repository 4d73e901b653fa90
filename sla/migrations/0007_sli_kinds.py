# Merge of issue 17's latency SLI kinds and issue 14's prometheus SLI kind: all five choices.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0006_latency_slis'),
        ('sla', '0006_slo_sli_kind_prometheus'),
    ]

    operations = [
        migrations.AlterField(
            model_name='slo',
            name='sli_kind',
            field=models.CharField(choices=[('time', 'time (good time / considered time)'), ('requests', 'requests (good / total)'), ('latency', 'latency (successful and at most the threshold / total requests)'), ('timeslice', 'time slices (minutes whose percentile is at most the threshold)'), ('prometheus', 'PromQL (good / total queries on a Prometheus source)')], default='time', max_length=16),
        ),
    ]

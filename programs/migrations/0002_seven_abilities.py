from django.db import migrations

SEVEN_ABILITIES = [
    ("political", "政治能力", "Political ability"),
    ("research", "调查研究能力", "Investigation and research"),
    ("decision", "科学决策能力", "Scientific decision-making"),
    ("reform", "改革攻坚能力", "Driving reform"),
    ("emergency", "应急处突能力", "Emergency response"),
    ("mass_work", "群众工作能力", "Mass work"),
    ("implementation", "抓落实能力", "Getting things done"),
]


def load_abilities(apps, schema_editor):
    Competency = apps.get_model("programs", "Competency")
    for position, (code, name_zh, name_en) in enumerate(SEVEN_ABILITIES, start=1):
        Competency.objects.update_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "position": position}
        )


def unload_abilities(apps, schema_editor):
    apps.get_model("programs", "Competency").objects.filter(code__in=[c for c, _, _ in SEVEN_ABILITIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]
    operations = [migrations.RunPython(load_abilities, unload_abilities)]

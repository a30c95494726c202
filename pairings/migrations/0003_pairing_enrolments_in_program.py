"""On PostgreSQL, composite foreign keys make both enrolments belong to the pairing's program."""

from django.db import migrations

FORWARD = [
    "ALTER TABLE programs_enrolment ADD CONSTRAINT enrolment_id_program_unique UNIQUE (id, program_id)",
    "ALTER TABLE pairings_pairing ADD CONSTRAINT pairing_mentor_in_program "
    "FOREIGN KEY (mentor_id, program_id) REFERENCES programs_enrolment (id, program_id) DEFERRABLE INITIALLY DEFERRED",
    "ALTER TABLE pairings_pairing ADD CONSTRAINT pairing_mentee_in_program "
    "FOREIGN KEY (mentee_id, program_id) REFERENCES programs_enrolment (id, program_id) DEFERRABLE INITIALLY DEFERRED",
]
BACKWARD = [
    "ALTER TABLE pairings_pairing DROP CONSTRAINT pairing_mentee_in_program",
    "ALTER TABLE pairings_pairing DROP CONSTRAINT pairing_mentor_in_program",
    "ALTER TABLE programs_enrolment DROP CONSTRAINT enrolment_id_program_unique",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("pairings", "0002_initial"), ("programs", "0001_initial")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]

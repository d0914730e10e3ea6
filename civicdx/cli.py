"""The `civicdx` console command: Django's management commands under one name.

    civicdx survey import PATH... --year R3      civicdx demo --scale full
    civicdx migrate | runserver | db_worker      civicdx jobs follow JOB_ID
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdx.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["civicdx", *sys.argv[1:]])


if __name__ == "__main__":
    main()

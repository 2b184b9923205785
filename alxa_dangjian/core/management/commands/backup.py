from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from alxa_dangjian.core.backups import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库（PostgreSQL：pg_dump 自定义格式；SQLite：复制文件）与上传文件。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--to", default="backups", help="备份存放目录，每次备份在其下新建一个子目录"
        )

    def handle(self, *args, to, **options):
        try:
            target = create_backup(Path(to))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"备份完成：{target}")

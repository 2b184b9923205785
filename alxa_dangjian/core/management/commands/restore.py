import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from alxa_dangjian.core.backups import BackupError, read_manifest, restore_backup


class Command(BaseCommand):
    help = "用 backup 生成的备份目录替换当前数据库与上传文件（先停止 web、worker、beat）。"

    def add_arguments(self, parser):
        parser.add_argument("source", help="备份目录，例如 backups/20261203-031500")
        parser.add_argument("--noinput", action="store_true", help="不询问，直接恢复")

    def handle(self, *args, source, noinput, **options):
        try:
            manifest = read_manifest(Path(source))
        except BackupError as error:
            raise CommandError(str(error)) from None
        if not noinput:
            if not sys.stdin.isatty():
                raise CommandError("恢复会覆盖当前数据：非交互运行时请加 --noinput。")
            answer = input(
                "将用 {created} 的备份覆盖当前数据库与全部上传文件，输入 yes 继续：".format(
                    created=manifest["created_at"]
                )
            )
            if answer.strip() != "yes":
                raise CommandError("已取消，未做任何改动。")
        try:
            restore_backup(Path(source))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"恢复完成：{source}（备份时间 {manifest['created_at']}）")

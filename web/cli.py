"""Command line: ``gongkai serve`` (the main job), ``create-admin``, ``verify``, ``load-holidays``,
``import-catalog``, ``rekey-requests`` and ``export-schema``."""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from cms.services import Endpoints
from cms.settings import Settings
from web.logs import configure_logging

if TYPE_CHECKING:  # the development servers are imported only when started (never in production)
    from cms.imports.service import ImportFiles
    from cms.review.workdays import CalendarEntry
    from devservers.embedded import EmbeddedServices


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gongkai", description="Gongkai 政府信息公开内容管理系统")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="start the server (embedded MongoDB/MinIO unless configured otherwise)")
    admin = sub.add_parser(
        "create-admin",
        help="create the first administrator (password from GONGKAI_ADMIN_PASSWORD or a prompt)",
    )
    admin.add_argument("--username", required=True)
    admin.add_argument("--org-key", required=True, help="the organization the administrator belongs to")
    admin.add_argument("--org-name", help="create the root organization with this name if it does not exist")
    admin.add_argument("--org-code", help="its 统一社会信用代码 or 机构代码 (with --org-name)")
    sub.add_parser(
        "verify",
        help="check register chains, attachment objects, search entries and counts (exit 1 on a problem)",
    )
    holidays = sub.add_parser(
        "load-holidays",
        help="set a year's holidays and 调休 workdays from a CSV or JSON file (date,kind,name; exit 1 on a refused row)",
    )
    holidays.add_argument("file", type=Path)
    holidays.add_argument("--dry-run", action="store_true", help="check the file only; change nothing")
    catalog = sub.add_parser(
        "import-catalog",
        help="import a catalog sheet (.xlsx, or CSV in UTF-8 or GBK) into an organization (exit 1 on a refused row)",
    )
    catalog.add_argument("file", type=Path)
    catalog.add_argument("--organization", required=True, help="the organization's key")
    catalog.add_argument("--dry-run", action="store_true", help="check every row only; change nothing")
    catalog.add_argument(
        "--as-drafts", action="store_true", help="import as drafts, not as published records"
    )
    catalog.add_argument("--attachments", type=Path, help="a zip holding the files the 附件 column names")
    rekey = sub.add_parser(
        "rekey-requests",
        help="re-seal applicants' personal data and webhook secrets under GONGKAI_REQUEST_DATA_KEY "
        "(exit 1 when a value opens under no configured key)",
    )
    rekey.add_argument("--dry-run", action="store_true", help="count what would change; change nothing")
    export = sub.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("--check", action="store_true", help="fail if schema/schema.graphql is out of date")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("casbin").setLevel(logging.WARNING)  # it logs the whole model at INFO on every load
    if args.command == "export-schema":
        return export_schema(check=args.check)
    if args.command == "create-admin":
        return create_admin(args.username, args.org_key, args.org_name, args.org_code)
    if args.command == "verify":
        return verify()
    if args.command == "load-holidays":
        return load_holidays(args.file, dry_run=args.dry_run)
    if args.command == "import-catalog":
        return import_catalog(
            args.file, args.organization, args.attachments, dry_run=args.dry_run, as_drafts=args.as_drafts
        )
    if args.command == "rekey-requests":
        return rekey_requests(dry_run=args.dry_run)
    return serve()


def create_admin(username: str, org_key: str, org_name: str | None, org_code: str | None) -> int:
    """Bootstrap: the first administrator, with the admin role over the organization's subtree."""
    import asyncio
    import getpass
    import os

    from cms.errors import DomainError

    password = os.environ.get("GONGKAI_ADMIN_PASSWORD") or getpass.getpass(
        "新管理员密码 / new administrator password: "
    )

    def work(settings: Settings, endpoints: Endpoints) -> int:
        try:
            asyncio.run(_create_admin(settings, endpoints, username, password, org_key, org_name, org_code))
        except DomainError as exc:
            print(f"{exc.code}: {exc.message}", file=sys.stderr)
            return 1
        print(f"administrator {username} created")
        return 0

    return _against_services(work)


async def _create_admin(
    settings: Settings,
    endpoints: Endpoints,
    username: str,
    password: str,
    org_key: str,
    org_name: str | None,
    org_code: str | None,
) -> None:
    from authz import Grant, Role
    from cms.admin.organizations import NewOrganization
    from cms.errors import InvalidInput
    from cms.services import build_services

    services = await build_services(settings, endpoints)
    try:
        org = services.orgs.tree.by_key.get(org_key)
        if org is None:
            if not (org_name and org_code):
                raise InvalidInput(f"机构 {org_key} 不存在；请用 --org-name 和 --org-code 创建根机构。")
            org = await services.orgs.create(NewOrganization(key=org_key, name=org_name, code=org_code))
        assert org.id is not None
        user = await services.accounts.create_user(username, password, org.id, "系统管理员")
        await services.access.grants.add(Grant(user_id=str(user.id), role=Role.ADMIN, org_id=str(org.id)))
    finally:
        await services.close()


def verify() -> int:
    """After a restore, an upgrade or a crash: is every stored thing whole? (cms.integrity.verify)"""
    import asyncio

    def work(settings: Settings, endpoints: Endpoints) -> int:
        lines, ok = asyncio.run(_verify(settings, endpoints))
        print("\n".join(lines))
        return 0 if ok else 1

    return _against_services(work)


async def _verify(settings: Settings, endpoints: Endpoints) -> tuple[list[str], bool]:
    from cms.integrity.verify import verify as verify_repository
    from cms.services import build_services

    services = await build_services(settings, endpoints)
    try:
        await services.search.prepare()  # the dictionary the entries were segmented with
        report = await verify_repository(services.objects, services.register)
        return report.lines(), report.ok
    finally:
        await services.close()


def load_holidays(file: Path, *, dry_run: bool) -> int:
    """A year's notice from a file: every row checked first (exit 1, nothing written, on any refused
    row); then the year replaced whole, as ``setHolidayCalendar`` does, recorded in the audit log."""
    import asyncio

    from cms.errors import InvalidInput
    from cms.review.holiday_file import parse_holiday_file
    from cms.review.workdays import check_year

    try:
        found = parse_holiday_file(file.name, file.read_bytes())
    except OSError as exc:
        print(f"无法读取文件 / cannot read {file}: {exc}", file=sys.stderr)
        return 2
    if len(found.years) > 1:
        found.refused.append(f"文件含多个年份的日期：{'、'.join(str(y) for y in sorted(found.years))}。")
    if not found.entries and not found.refused:
        found.refused.append("文件中没有日期。")
    try:
        year = min(found.years) if found.years else 0
        entries = check_year(year, found.entries) if not found.refused else []
    except InvalidInput as exc:
        found.refused.append(exc.message)
    if found.refused:
        print("\n".join(found.refused), file=sys.stderr)
        print(f"未载入：{len(found.refused)} 处问题 / refused", file=sys.stderr)
        return 1
    holidays = sum(not e.workday for e in entries)
    summary = f"{year} 年：放假 {holidays} 天，调休上班 {len(entries) - holidays} 天"
    if dry_run:
        print(f"{summary}（试运行，未写入 / dry run）")
        return 0

    def work(settings: Settings, endpoints: Endpoints) -> int:
        asyncio.run(_load_holidays(settings, endpoints, year, entries))
        print(f"{summary}（已载入 / loaded）")
        return 0

    return _against_services(work)


async def _load_holidays(
    settings: Settings, endpoints: Endpoints, year: int, entries: list[CalendarEntry]
) -> None:
    from authz import Principal
    from cms.services import build_services

    services = await build_services(settings, endpoints)
    try:
        # The operator at the server's shell: no account, named in the audit log by the command.
        operator = Principal(user_id=None, username="gongkai load-holidays")
        await services.holidays.load_year(operator, year, entries)
    finally:
        await services.close()


def import_catalog(
    file: Path, org_key: str, attachments: Path | None, *, dry_run: bool, as_drafts: bool
) -> int:
    """Every row checked first: any refused row is printed (row, column, problem) and nothing is
    written (exit 1); then the rows in batches, with a progress bar. Exit 2: bad arguments."""
    import asyncio

    from cms.imports.service import ImportFiles

    try:
        files = ImportFiles(file.name, file.read_bytes(), attachments.read_bytes() if attachments else None)
    except OSError as exc:
        print(f"无法读取文件 / cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2

    def work(settings: Settings, endpoints: Endpoints) -> int:
        return asyncio.run(_import_catalog(settings, endpoints, org_key, files, dry_run, as_drafts))

    return _against_services(work)


async def _import_catalog(
    settings: Settings, endpoints: Endpoints, org_key: str, files: ImportFiles, dry_run: bool, as_drafts: bool
) -> int:
    from cms.errors import NotFound
    from cms.services import build_services

    services = await build_services(settings, endpoints)
    try:
        report = await services.imports.run_from_shell(
            org_key, files, dry_run=dry_run, as_drafts=as_drafts, progress=_progress_bar
        )
    except NotFound as exc:
        print(exc.message, file=sys.stderr)
        return 2
    finally:
        await services.close()
    if report.problems:
        for problem in report.problems:
            where = f"第 {problem.row} 行" if problem.row else "文件"
            print(
                f"{where}{' ' + problem.column if problem.column else ''}：{problem.message}", file=sys.stderr
            )
        print(f"未导入：{report.refused_rows} 行有问题，未写入任何内容 / refused", file=sys.stderr)
        return 1
    if dry_run:
        print(f"试运行：共 {report.total} 行，将导入 {report.imported} 行，已导入过 {report.skipped} 行。")
    else:
        print(f"已导入 {report.imported} 行，已导入过 {report.skipped} 行（共 {report.total} 行）。")
    return 0


def rekey_requests(*, dry_run: bool) -> int:
    """After rotating GONGKAI_REQUEST_DATA_KEY: everything sealed under a previous key re-sealed
    under the current one (cms.requests.keys); counts on stdout; exit 1 when a value was unreadable."""
    import asyncio

    def work(settings: Settings, endpoints: Endpoints) -> int:
        return asyncio.run(_rekey_requests(settings, endpoints, dry_run))

    return _against_services(work)


async def _rekey_requests(settings: Settings, endpoints: Endpoints, dry_run: bool) -> int:
    from authz import Principal
    from cms.requests.keys import RequestRekeying
    from cms.services import build_services

    services = await build_services(settings, endpoints)
    try:
        rekeying = RequestRekeying(services.requests, services.webhooks, services.webhooks.audit)
        # The operator at the server's shell: no account, named in the audit log by the command.
        operator = Principal(user_id=None, username="gongkai rekey-requests")
        report = await rekeying.run(operator, dry_run=dry_run)
    finally:
        await services.close()
    verb = "将重新加密" if dry_run else "已重新加密"
    r, w = report.requests, report.webhooks
    print(
        f"申请 / requests: {verb} {r.resealed}，已是当前密钥 {r.current}，无法解密 {r.unreadable}，已删除个人信息 {report.erased}"
    )
    print(
        f"推送密钥 / webhook secrets: {verb} {w.resealed}，已是当前密钥 {w.current}，无法解密 {w.unreadable}"
    )
    print(
        f"查询码仍为旧密钥 / query codes under an earlier key: {report.codes_on_earlier_keys}"
        "（申请人下次查询时更新；此前须保留旧密钥）"
    )
    if dry_run:
        print("试运行，未写入 / dry run")
    if report.unreadable:
        print(
            f"{report.unreadable} 项无法用任何已配置的密钥解密 / unreadable under every configured key: "
            "check GONGKAI_REQUEST_DATA_PREVIOUS_KEYS",
            file=sys.stderr,
        )
        return 1
    return 0


def _progress_bar(done: int, total: int) -> None:
    """On stderr, redrawn in place; stdout keeps only the summary (scripts read it)."""
    width = 40
    filled = width * done // total if total else width
    end = "\n" if done >= total else ""
    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end, file=sys.stderr, flush=True)


def _against_services(work: Callable[[Settings, Endpoints], int]) -> int:
    """An operator command's frame: the settings (exit 2 when wrong), the embedded services when none
    are configured (exit 3 when they cannot start), a reachable database and object store (exit 3),
    then ``work``'s exit status; whatever was started is stopped again."""
    from devservers.embedded import EmbeddedError, start_embedded

    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"配置错误 / configuration error:\n{exc}", file=sys.stderr)
        return 2
    embedded = None
    try:
        if settings.embedded_mongo or settings.embedded_s3:
            try:
                embedded = start_embedded(Path(settings.data_dir).resolve() / "embedded")
            except EmbeddedError as exc:
                print(f"无法启动内置服务 / cannot start embedded services: {exc}", file=sys.stderr)
                return 3
        endpoints = _endpoints(settings, embedded)
        if problem := preflight(endpoints):
            print(problem, file=sys.stderr)
            return 3
        return work(settings, endpoints)
    finally:
        if embedded is not None:
            embedded.stop()


def export_schema(*, check: bool) -> int:
    from schema.root import SDL_PATH, sdl

    current = sdl()
    if check:
        if not SDL_PATH.exists() or SDL_PATH.read_text(encoding="utf-8") != current:
            print("schema/schema.graphql is out of date: run `gongkai export-schema`", file=sys.stderr)
            return 1
        return 0
    SDL_PATH.write_text(current, encoding="utf-8")
    return 0


def serve() -> int:
    import uvicorn

    from devservers.embedded import EmbeddedError, start_embedded
    from web.app import create_app

    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"配置错误 / configuration error:\n{exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    # The port first, before anything is started: taken, it is a one-line reason and nothing to stop
    # (uvicorn would find out only after the lifespan, then hang in its shutdown).
    try:
        listener = _listen(settings.host, settings.port)
    except OSError as exc:
        print(
            f"无法监听 / cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 5
    data_dir = Path(settings.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    embedded = None
    # SIGTERM before uvicorn takes over must still stop the embedded servers, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if settings.embedded_mongo or settings.embedded_s3:
            try:
                # Supervised: in development a server that dies comes back on its port by itself.
                embedded = start_embedded(data_dir / "embedded", supervise=True)
            except EmbeddedError as exc:
                print(f"无法启动内置服务 / cannot start embedded services: {exc}", file=sys.stderr)
                return 3
        endpoints = _endpoints(settings, embedded)
        if problem := preflight(endpoints):
            print(problem, file=sys.stderr)
            return 3
        try:
            app = create_app(settings, endpoints)
        except ImportError as exc:  # web.tracing.TracingUnavailable: turned on, extra not installed
            print(exc, file=sys.stderr)
            return 2
        # Our logging (JSON lines) for uvicorn too; its access log is replaced by web.observe's line.
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            lifespan="on",
            log_config=None,
            access_log=False,
        )
        server = uvicorn.Server(config)
        server.run(sockets=[listener])
        return 0 if server.started else 4
    except KeyboardInterrupt:
        return 0
    finally:
        listener.close()
        if embedded is not None:
            embedded.stop()


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket uvicorn is handed (so nobody can take the port in between)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        listener.bind((host.strip("[]"), port))
        listener.listen(2048)
    except OSError:
        listener.close()
        raise
    listener.set_inheritable(True)
    return listener


def _endpoints(settings: Settings, embedded: EmbeddedServices | None) -> Endpoints:
    """Configured services win; the embedded ones fill in whatever is not configured."""
    s3_configured = bool(settings.s3_endpoint)
    return Endpoints(
        mongo_url=settings.mongo_url or (embedded.mongo_url if embedded else ""),
        s3_endpoint=settings.s3_endpoint or (embedded.s3_endpoint if embedded else ""),
        s3_access_key=settings.s3_access_key
        if s3_configured
        else (embedded.s3_access_key if embedded else ""),
        s3_secret_key=settings.s3_secret_key.get_secret_value()
        if s3_configured
        else (embedded.s3_secret_key if embedded else ""),
        s3_secure=settings.s3_secure if s3_configured else False,
    )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def preflight(endpoints: Endpoints) -> str | None:
    """A plain one-line reason when MongoDB or the S3 service cannot be used, instead of a traceback."""
    from minio import Minio
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    client: MongoClient[dict[str, object]] = MongoClient(endpoints.mongo_url, serverSelectionTimeoutMS=5000)
    try:
        client.admin.command("ping")
    except PyMongoError as exc:
        return f"无法连接 MongoDB / cannot reach MongoDB: {exc.__class__.__name__}: {str(exc)[:200]}"
    finally:
        client.close()
    try:
        Minio(
            endpoints.s3_endpoint,
            access_key=endpoints.s3_access_key,
            secret_key=endpoints.s3_secret_key,
            secure=endpoints.s3_secure,
        ).list_buckets()
    except Exception as exc:
        return f"无法连接对象存储 / cannot reach the S3 service at {endpoints.s3_endpoint}: {exc.__class__.__name__}"
    return None


if __name__ == "__main__":
    raise SystemExit(main())

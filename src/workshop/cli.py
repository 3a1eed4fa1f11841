"""``workshop`` command line: check templates, list sessions, export a session's CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import services
from .domain.codes import display_code
from .domain.errors import WorkshopError
from .templates import check_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="workshop", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate template files and print every error")
    check.add_argument("files", nargs="+", type=Path)
    export = sub.add_parser("export", help="write a session's answers as CSV")
    export.add_argument("code", help="the session's join code, e.g. K7Q-4MX")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    sub.add_parser("sessions", help="list sessions, newest first")
    args = parser.parse_args(argv)

    if args.command == "check":
        problems = check_files(args.files)
        for line in problems:
            print(line, file=sys.stderr)
        if not problems:
            print(f"OK: {len(args.files)} template(s) valid")
        return 1 if problems else 0

    from .context import open_context

    context = open_context()
    try:
        if args.command == "sessions":
            sessions = services.list_sessions(db=context.db)
            if not sessions:
                print("No sessions yet.")
            for s in sessions:
                started = s.started_at.strftime("%Y-%m-%d %H:%M UTC")
                print(f"{display_code(s.code)}  {s.status.value:5}  {started}  {s.title}")
            return 0
        session = services.get_session_by_code(db=context.db, code=args.code)
        data = services.export_csv(db=context.db, session_id=session.id)
        if args.output:
            try:
                args.output.write_bytes(data)
            except OSError as exc:
                print(f"Cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
                return 1
            print(f"Wrote {args.output} for session {display_code(session.code)}", file=sys.stderr)
        else:
            sys.stdout.buffer.write(data)
        return 0
    except WorkshopError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        context.db.dispose()


if __name__ == "__main__":
    raise SystemExit(main())

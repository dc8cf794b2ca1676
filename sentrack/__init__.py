"""SEN Track: the graduated approach for pupils with special educational needs, kept on track.

`create_app()` builds the app in a few named steps: configuration, extensions, blueprints, error
handlers, security headers and commands.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, g, has_request_context, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from werkzeug.routing import IntegerConverter

from config import config_from_environment
from sentrack.extensions import csrf, db, login_manager, migrate
from sentrack.proxies import trusted_proxies

KEPT_AT_SIGN_OUT = "You were signed out before you saved. What you typed has been kept: sign in again to carry on."


def create_app(config: Mapping[str, Any] | None = None, *, config_name: str | None = None) -> Flask:
    """Create the app. `config` overrides settings (tests pass their own mapping)."""
    app = Flask(__name__, instance_relative_config=True)
    if config_name is None and config is not None and config.get("TESTING"):
        config_name = "testing"
    app.config.update(config_from_environment(config_name))
    if config:
        app.config.update(config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, "sentrack.sqlite")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    app.wsgi_app = trusted_proxies(app.wsgi_app, app.config.get("PROXY_HOPS", 0))

    register_templates(app)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_sql_count_header(app)
    # After the count's hook and before the audit's: after-request hooks run last-registered
    # first, so the audit adds its rows, the request commits them, and the count sees both.
    register_operations(app)
    register_audit(app)
    register_commands(app)
    return app


def register_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("sentrack"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    from sentrack import submissions, templating

    templating.init_app(app)
    submissions.init_app(app)


SQLITE_BUSY_TIMEOUT_MS = 15_000


def engine_options(config: Mapping[str, Any]) -> dict:
    """The engine's options for the configured database. On PostgreSQL every connection runs
    without JIT compilation: the queries over an authority's rows (the sweep's, the LA officer's
    lists) cost enough for the planner to compile them, which took seconds (3.5 s of a 3.8 s
    query of the sweep at 60,000 pupils) to save milliseconds."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql":
        connect_args = dict(options.get("connect_args") or {})
        connect_args["options"] = " ".join(filter(None, [connect_args.get("options"), "-c jit=off"]))
        options["connect_args"] = connect_args
    return options


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record) -> None:
    if _is_sqlite(dbapi_connection):
        # SQLite enforces foreign keys only when asked, per connection.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # Let SQLAlchemy, not the sqlite3 module, begin transactions, so SAVEPOINTs work.
        dbapi_connection.isolation_level = None
        # Several requests write at once: they wait their turn (up to 15 s) instead of failing,
        # and readers never wait for a writer (write-ahead log). An in-memory database has no log.
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        # IMMEDIATE takes the write lock when the transaction begins, waiting for it within the busy
        # timeout. A deferred transaction that read first and writes later cannot wait: if another
        # connection wrote in between, SQLite refuses the write at once ("database is locked").
        # Requests read and then write (a save, the last-seen time, the audit trail), so every
        # transaction is a write transaction; SAVEPOINTs nest inside it as before.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    from sentrack import changes  # noqa: F401  (its events move each school's version as it changes)

    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    from sentrack.ehc.plans import allow_uploads
    from sentrack.imports.views import allow_import_uploads

    # Before the CSRF check reads the form: the upload pages' own limits on a request's size.
    app.before_request(allow_uploads)
    app.before_request(allow_import_uploads)
    csrf.init_app(app)
    from sentrack.auth import throttle
    from sentrack.auth.cookie import TokenOnlySessionInterface

    throttle.init_app(app)
    app.session_interface = TokenOnlySessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side session row is the protection

    from sentrack.auth.sessions import SessionEnded, load_session

    @login_manager.user_loader
    def load_user(token: str):
        try:
            user = load_session(
                db.session,
                token,
                idle_timeout=current_app.config["SESSION_IDLE_TIMEOUT"],
                absolute_timeout=current_app.config["SESSION_ABSOLUTE_LIFETIME"],
            )
        except SessionEnded as ended:
            g.session_ended = ended.reason
            g.session_ended_user = ended.user_id
            user = None
        return user  # the session's last activity is committed with the request

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, jsonify, redirect, url_for

        from sentrack.drafts.keeping import kept_after_session_end

        kept = kept_after_session_end()
        if request.endpoint == "drafts.keep":  # the page's script: it sends the person to sign in
            return jsonify(signed_out=True, kept=kept), 401
        if kept:
            flash(KEPT_AT_SIGN_OUT, "info")
        elif g.get("session_ended") == "timed_out":
            minutes = int(current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds() // 60)
            flash(f"You were signed out after {minutes} minutes without activity. Sign in again.", "info")
        elif g.get("session_ended") == "expired":
            hours = int(current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds() // 3600)
            flash(f"You were signed out {hours} hours after you signed in. Sign in again.", "info")
        else:
            flash(login_manager.login_message, "info")
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in every route: a number beyond the database's integer range names no record,
    so the URL is not found (404) rather than reaching the database and failing there."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        from sentrack.forms import MAX_INT

        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_INT if max is None else max, signed=signed)


def register_converters(app: Flask) -> None:
    """Before any blueprint adds its routes, so that every `<int:...>` is bounded."""
    app.url_map.converters["int"] = BoundedIntegerConverter


def register_blueprints(app: Flask) -> None:
    from sentrack import (
        access_requests,
        auth,
        census,
        cycles,
        dashboard,
        drafts,
        duties,
        ehc,
        imports,
        interventions,
        letters,
        main,
        meetings,
        outcome_bank,
        pages,
        pupils,
        reports,
        retention,
        staff,
        transfers,
        yearend,
    )

    for module in (
        auth,
        main,
        pages,
        pupils,
        staff,
        cycles,
        interventions,
        duties,
        meetings,
        dashboard,
        ehc,
        imports,
        census,
        yearend,
        transfers,
        outcome_bank,
        letters,
        reports,
        drafts,
        access_requests,
        retention,
    ):
        app.register_blueprint(module.bp)


def register_errorhandlers(app: Flask) -> None:
    def render_error(code: int, **context):
        return render_template(f"errors/{code}.html", **context), code

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/400.html"), 400

    @app.errorhandler(400)
    def bad_request(error):
        return render_error(400)

    @app.errorhandler(403)
    def forbidden(error):
        return render_error(403)

    @app.errorhandler(404)
    def not_found(error):
        return render_error(404)

    @app.errorhandler(405)
    def method_not_allowed(error):
        return render_error(404)

    @app.errorhandler(413)
    def request_too_large(error):
        db.session.rollback()
        limit = request.max_content_length or app.config.get("MAX_CONTENT_LENGTH") or 0
        return render_error(413, limit=f"{limit / (1024 * 1024):.3g} MB")

    @app.errorhandler(429)
    def too_many_requests(error):
        return render_error(429, message="Wait a few minutes before you try again.")

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500)


def register_operations(app: Flask) -> None:
    """Refused operations outside a form, and the request's one commit (`sentrack.operations`)."""
    from sentrack import operations

    operations.init_app(app)


def register_audit(app: Flask) -> None:
    """Refused requests on pupils' and records' routes, and pages that showed a pupil, are audited
    after each request (`sentrack.audit.init_app`)."""
    from sentrack import audit

    audit.init_app(app, lambda: db.session)


def register_security_headers(app: Flask) -> None:
    csp = "; ".join(
        [
            "default-src 'self'",
            # The hash admits the one inline script the GOV.UK page template always writes.
            "script-src 'self' 'sha256-GUQ5ad8JK5KmEWmROf3LZd9ge94daqNvd8xy9YS1iDw='",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.endpoint != "static":
            # Pages may carry pupil data: never keep them in a shared or back-button cache.
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    @app.context_processor
    def inject_user_context():
        return {"current_user": current_user}


def register_sql_count_header(app: Flask) -> None:
    """With SQL_COUNT_HEADER (the benchmark's configuration), count the SQL statements each
    request runs and say how many in an X-SQL-Statements response header. Never in production."""
    if not app.config.get("SQL_COUNT_HEADER") or app.config.get("NAME") == "production":
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def count_statement(conn, cursor, statement, parameters, context, executemany) -> None:
        if has_request_context():
            g.sql_statements = g.get("sql_statements", 0) + 1

    @app.after_request
    def sql_count_header(response):
        response.headers["X-SQL-Statements"] = str(g.get("sql_statements", 0))
        return response


def register_commands(app: Flask) -> None:
    from sentrack.commands import register

    register(app)

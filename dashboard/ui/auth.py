"""Who is looking: sign-in (Streamlit's OpenID Connect, ``st.login``/``st.user``), the
viewer's role and department scope from the roles file, the write rule and the audit of
sign-ins.

Two modes:

* **Local mode** (no ``[auth]`` section in ``.streamlit/secrets.toml``): one user on this
  machine, as before sign-in existed: the whole company, the role from ``$COMPLAINTS_ROLE``
  (masking), writes allowed. Served on a non-loopback address it refuses to show anything,
  unless started with ``complaints serve --insecure-no-auth`` (``$COMPLAINTS_INSECURE_NO_AUTH``),
  and then a red banner says so on every page.
* **Signed-in mode** (an ``[auth]`` section): nothing is shown before sign-in; the signed-in
  user's grant (``queries.config.roles``) gives the role and the scope; a user without a
  grant sees a page saying whom to ask, and no data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, NoReturn

import streamlit as st

from queries import audit, i18n, paths, privacy
from queries.config import roles

INSECURE_ENV_VAR = roles.INSECURE_ENV_VAR
ROLE_ENV_VAR = "COMPLAINTS_ROLE"
_VIEWER_KEY = "_viewer"
_SIGNED_IN_KEY = "_audited_sign_in"


@dataclass(frozen=True)
class Viewer:
    """The person behind this session.

    Attributes:
        identity: the provider identity (e-mail, else username, else subject), or the OS
            user in local mode.
        role: a role of ``roles.ROLE_NAMES`` when signed in; the local role otherwise.
        departments: the department subtrees (ids or names) in scope; None = the company.
        signed_in: whether the identity comes from the identity provider.
    """

    identity: str
    role: str
    departments: tuple[str, ...] | None
    signed_in: bool


def auth_enabled() -> bool:
    """Whether ``.streamlit/secrets.toml`` has an ``[auth]`` section (sign-in required)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises; local mode
        return False


def insecure_no_auth() -> bool:
    """Whether the server was started with ``--insecure-no-auth``."""
    return os.environ.get(INSECURE_ENV_VAR) == "1"


def server_is_loopback() -> bool:
    """Whether this Streamlit server listens on a loopback address only."""
    return roles.is_loopback(st.get_option("server.address") or "")


def _claims() -> dict[str, Any]:
    try:
        return st.user.to_dict()
    except Exception:  # older Streamlit: a mapping
        return dict(st.user)


def _identity(claims: dict[str, Any]) -> str:
    for key in ("email", "preferred_username", "sub"):
        if claims.get(key):
            return str(claims[key])
    return "?"


def _groups(claims: dict[str, Any], claim: str) -> list[str]:
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []


def _sign_in_page(lang: str) -> None:
    st.title(i18n.t("sign_in_title", lang))
    st.write(i18n.t("sign_in_body", lang))
    if st.button(i18n.t("sign_in_button", lang), type="primary", key="sign_in"):
        st.login()
    st.stop()


def _refused_page(lang: str, message: str) -> NoReturn:
    st.title(i18n.t("no_role_title", lang))
    st.warning(message)
    if st.button(i18n.t("sign_out_button", lang), key="sign_out_refused"):
        st.logout()
    st.stop()


def local_role() -> str:
    """Local mode's role: ``$COMPLAINTS_ROLE``, else ``role`` in ``.streamlit/secrets.toml``,
    else ``viewer``. Unknown roles fall back to ``viewer`` (the most restricted)."""
    value = os.environ.get(ROLE_ENV_VAR)
    if not value:
        try:
            value = st.secrets.get("role")
        except Exception:  # no secrets file at all: Streamlit raises, the default applies
            value = None
    value = str(value or "viewer").strip()
    return value if value in privacy.ROLES else "viewer"


def _local_viewer() -> Viewer:
    return Viewer(identity=audit.os_user(), role=local_role(), departments=None, signed_in=False)


def _signed_in_viewer(lang: str) -> Viewer:
    db_path = paths.resolve_db_path()
    claims = _claims()
    who = _identity(claims)
    try:
        table = roles.load_roles(roles.roles_path(db_path))
    except roles.RolesError as exc:
        _refused_page(lang, i18n.t("roles_file_error", lang, error=str(exc)))
        raise  # not reached: st.stop
    identities = [str(claims.get(k) or "") for k in ("email", "preferred_username", "sub")]
    grant = table.grant_for(identities, _groups(claims, table.groups_claim))
    if grant is None:
        if not st.session_state.get(_SIGNED_IN_KEY):
            audit.record(db_path, "sign_in_refused", who=who, outcome="no role")
            st.session_state[_SIGNED_IN_KEY] = True
        contact = table.contact or i18n.t("no_role_contact_default", lang)
        _refused_page(lang, i18n.t("no_role_body", lang, who=who, contact=contact))
    viewer = Viewer(identity=who, role=grant.role, departments=grant.departments, signed_in=True)
    if not st.session_state.get(_SIGNED_IN_KEY):
        audit.record(
            db_path,
            "sign_in",
            who=who,
            detail={"role": grant.role, "grant": grant.source},
            scope=audit_scope(viewer),
        )
        st.session_state[_SIGNED_IN_KEY] = True
    return viewer


def gate(lang: str) -> Viewer:
    """Decide who is looking, once per script run, before any data is read: show the
    sign-in page, the no-role page or the refusal (non-loopback without auth) and stop the
    run when there is nothing to show; otherwise remember and return the viewer."""
    if auth_enabled():
        if not st.user.is_logged_in:
            _sign_in_page(lang)
        viewer = _signed_in_viewer(lang)
    else:
        if not server_is_loopback() and not insecure_no_auth():
            st.error(i18n.t("insecure_banner", lang), icon="⚠️")
            st.stop()
        viewer = _local_viewer()
    st.session_state[_VIEWER_KEY] = viewer
    return viewer


def viewer() -> Viewer:
    """This session's viewer (local mode when ``gate`` has not run, e.g. a page run alone)."""
    found = st.session_state.get(_VIEWER_KEY)
    return found if isinstance(found, Viewer) else _local_viewer()


#: Query parameters that would name a role, user or scope: never honoured, always refused.
PRIVILEGE_PARAMS = ("role", "roles", "scope", "user", "as_user", "who", "admin")


def refuse_privilege_params(lang: str) -> None:
    """A link cannot choose a role, user or scope: such parameters are dropped from the URL
    and answered with "not in your scope"."""
    found = [k for k in PRIVILEGE_PARAMS if k in st.query_params]
    if not found:
        return
    what = ", ".join(f"{k}={st.query_params.get(k, '')}" for k in found)
    for key in found:
        del st.query_params[key]
    st.warning(i18n.t("not_in_scope", lang, what=what))


def audit_scope(v: Viewer | None = None) -> str:
    """The viewer's scope as the audit trail writes it: ``all`` or the department subtrees
    of the grant, comma-separated."""
    v = v or viewer()
    return "all" if v.departments is None else ",".join(v.departments)


def banner(lang: str) -> None:
    """The red banner of an unauthenticated server on a non-loopback address."""
    if not auth_enabled() and insecure_no_auth() and not server_is_loopback():
        st.error(i18n.t("insecure_banner", lang), icon="⚠️")


def sidebar(lang: str) -> None:
    """Who is signed in, in which role and scope, and the sign-out button."""
    v = viewer()
    if not v.signed_in:
        return
    st.sidebar.caption(
        i18n.t("signed_in_as", lang, who=v.identity, role=i18n.t(f"role_{v.role}", lang))
    )
    if roles.may_see_personal_data(v.role):
        st.sidebar.warning(i18n.t("unmasked_notice", lang))
    if st.sidebar.button(i18n.t("sign_out_button", lang), key="sign_out"):
        st.logout()


def can_write() -> bool:
    """Whether this viewer may write from the app (imports, mapping saves, meeting notes,
    actions): signed in, the roles ``quality`` and ``admin``; in local mode only a visitor
    on this machine of a server that listens on a loopback address (never with
    ``--insecure-no-auth``): ``st.context.ip_address`` is None for a loopback client."""
    v = viewer()
    if v.signed_in:
        return roles.may_write(v.role)
    return server_is_loopback() and st.context.ip_address is None


def can_see_audit() -> bool:
    """Whether this viewer may open the Audit page (``admin``; local mode: yes)."""
    v = viewer()
    return (not v.signed_in) or v.role in roles.AUDIT_ROLES

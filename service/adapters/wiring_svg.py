"""Wiring pictures: GET /wiring/<from>--<to>.svg draws a cable's two ends, their contacts and its wires.

The plan (which contact joins which) is service/core/wiring.py's, from the rules' wiring and kb/wiring.yaml; this
module draws it with drawsvg (no hand-written SVG), 320 units wide so it reads on a 320 px phone at 1:1, with a
<title>, a <desc> and role="img". The document holds no script, no style sheet and no external reference, and is
served with a Content-Security-Policy that forbids them anyway; it is cached (ETag, a day's max-age).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import drawsvg as draw
from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import request

from service.core.ontology import Ontology
from service.core.plugs import DUAL_PREFIX
from service.core.wiring import Contact
from service.core.wiring import Drawing
from service.core.wiring import EndPicture
from service.core.wiring import Leg
from service.core.wiring import Role
from service.core.wiring import WiringPicture
from service.core.wiring import drawable_pairs
from service.core.wiring import wiring_picture
from service.errors import KBInvalid
from service.runtime import get_runtime
from service.types import Cable

log = logging.getLogger("cablewise.wiring")
bp = Blueprint("wiring", __name__)

# The SVG needs nothing: no script, style sheet, font or image (colours are presentation attributes).
CSP = "default-src 'none'; sandbox"
CACHE_CONTROL = "public, max-age=86400"
PAIR_SEPARATOR = "--"

# Layout, in SVG units (= CSS px at 320 px wide)
WIDTH = 320
MARGIN = 6
BOX_W = 112
LEFT_X = MARGIN
RIGHT_X = WIDTH - MARGIN - BOX_W
ROW_H = 30
LEG_GAP = 14
TEXT = "#212121"
MUTED = "#5f6368"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


class Desc(draw.Title):
    """SVG <desc>: the long text alternative (drawsvg ships <title> only)."""

    TAG_NAME = "desc"


@dataclass(frozen=True, slots=True)
class WiringLink:
    """What an answer links: the picture's URL and its text alternative."""

    url: str
    alt: str


# kb/wiring.yaml


def load_drawing(kb_dir: Path, ontology: Ontology) -> Drawing:
    """Read kb/wiring.yaml and check it against the ontology: known families, roles, and every pin a contact.

    :raises KBInvalid: naming the key and the reason.
    """
    from service.kb import _mapping
    from service.kb import _read_yaml

    raw = _read_yaml(kb_dir / "wiring.yaml")
    roles = {}
    for role_id, body in _mapping("wiring", "roles", raw.get("roles")).items():
        body = _mapping("wiring", f"roles.{role_id}", body)
        if not isinstance(body.get("label"), str) or not str(body.get("colour", "")).startswith("#"):
            raise KBInvalid(f"kb/wiring.yaml: roles.{role_id}: needs a label and a #rrggbb colour")
        roles[role_id] = Role(role_id, body["label"], body["colour"], bool(body.get("dashed", False)))
    families: dict[str, tuple[Contact, ...]] = {}
    for family_id, rows in _mapping("wiring", "families", raw.get("families")).items():
        where = f"kb/wiring.yaml: families.{family_id}"
        if family_id not in ontology.families:
            raise KBInvalid(f"{where}: not a connectors.yaml family")
        if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == 3 for r in rows):
            raise KBInvalid(f"{where}: must list [contact, role, what it carries] triples")
        contacts = tuple(Contact(str(name), str(role), str(carries)) for name, role, carries in rows)
        unknown = sorted({c.role for c in contacts} - set(roles))
        if unknown:
            raise KBInvalid(f"{where}: unknown roles {unknown}")
        missing = sorted(set(ontology.families[family_id].pins.values()) - {c.name for c in contacts})
        if missing:
            raise KBInvalid(f"{where}: the connectors.yaml pins {missing} are not among its contacts")
        families[family_id] = contacts
    split = _mapping("wiring", "split", raw.get("split"))
    legs = tuple(Leg(str(leg["pin"]), str(leg["label"])) for leg in split.get("legs") or [])
    if len(legs) != 2:
        raise KBInvalid("kb/wiring.yaml: split.legs: a dual end has two legs")
    shield_roles = frozenset(raw.get("shield_roles") or ())
    if not shield_roles <= set(roles):
        raise KBInvalid("kb/wiring.yaml: shield_roles: unknown roles")
    return Drawing(roles, families, legs, shield_roles)


# Names in URLs


def slug(end_name: str) -> str:
    """The URL form of a contract end name: 'dual TS-male' -> 'dual_ts-male'."""
    return end_name.lower().replace(" ", "_")


def end_names(ontology: Ontology) -> dict[str, str]:
    """Every end name the service can put in a cable (each plug, single or dual), by its slug."""
    names: list[str] = []
    for family in ontology.families.values():
        plug = family.plug
        names += list(plug.values()) if isinstance(plug, dict) else [plug] if plug else []
    return {slug(n): n for name in names for n in (name, f"{DUAL_PREFIX}{name}")}


def path_for(from_end: str, to_end: str) -> str:
    """The picture's path on this service."""
    return f"/wiring/{slug(from_end)}{PAIR_SEPARATOR}{slug(to_end)}.svg"


# Text alternative


def alt_text(picture: WiringPicture) -> str:
    """The picture in words, for screen readers and the alt text: what joins what, what is left open."""
    a, b = picture.from_end, picture.to_end
    head = f"Wiring of the {a.name} ({a.family_name}) to {b.name} ({b.family_name}) cable"
    joins = [
        f"{_leg_name(a, w.from_leg)}{w.from_contact} to {_leg_name(b, w.to_leg)}{w.to_contact}"
        for w in picture.wires
    ]
    parts = [f"{head}: " + ("; ".join(joins) if joins else "no wires")]
    for index, end in enumerate((a, b)):
        open_contacts = {
            c.name: None
            for leg in range(len(end.legs))
            for c in end.contacts
            if c.name not in picture.connected(index, leg)
        }
        if open_contacts:
            side = "sending" if index == 0 else "receiving"
            parts.append(f"Not connected at the {side} end ({end.name}): {', '.join(open_contacts)}")
    if picture.shielded:
        parts.append("The ground wire is the cable's shield")
    return ". ".join(parts) + "."


def _leg_name(end: EndPicture, leg: int) -> str:
    return f"{end.legs[leg]} leg " if end.legs[leg] else ""


# Drawing


def render_svg(picture: WiringPicture, drawing: Drawing) -> str:
    """The picture as an SVG document (drawsvg), 320 units wide."""
    anchors: dict[tuple[int, int, str], tuple[float, float]] = {}
    top = 44
    bottoms = []
    body: list[draw.DrawingElement] = []
    for index, (end, x) in enumerate(((picture.from_end, LEFT_X), (picture.to_end, RIGHT_X))):
        body += _end_heading(end, x)
        y = top
        for leg, label in enumerate(end.legs):
            if label:
                body.append(_text(f"{label} leg", 10.5, x + 2, y + 11, fill=MUTED, font_style="italic"))
                y += 15
            connected = picture.connected(index, leg)
            box_h = ROW_H * len(end.contacts) + 4
            body.append(
                draw.Rectangle(x, y, BOX_W, box_h, rx=6, fill="#fafafa", stroke="#9e9e9e", stroke_width=1)
            )
            for row, contact in enumerate(end.contacts):
                row_y = y + 2 + row * ROW_H
                is_open = contact.name not in connected
                body.append(
                    _text(
                        contact.name,
                        12,
                        x + 8,
                        row_y + 13,
                        fill=MUTED if is_open else TEXT,
                        font_weight="bold",
                    )
                )
                carries = f"{contact.carries} · open" if is_open else contact.carries
                body.append(_text(carries, 10.5, x + 8, row_y + 26, fill=MUTED))
                edge_x = x + BOX_W if index == 0 else x
                anchors[(index, leg, contact.name)] = (edge_x, row_y + ROW_H / 2)
            y += box_h + LEG_GAP
        bottoms.append(y - LEG_GAP)

    wires = [
        w
        for w in picture.wires
        if (0, w.from_leg, w.from_contact) in anchors and (1, w.to_leg, w.to_contact) in anchors
    ]
    if picture.shielded and wires:
        ys = [anchors[(0, w.from_leg, w.from_contact)][1] for w in wires] + [
            anchors[(1, w.to_leg, w.to_contact)][1] for w in wires
        ]
        low, high = min(ys) - 12, max(ys) + 12
        left, right = LEFT_X + BOX_W + 14, RIGHT_X - 14
        body.append(
            draw.Rectangle(
                left,
                low,
                right - left,
                high - low,
                rx=10,
                fill="#eceff1",
                stroke="#78909c",
                stroke_width=1,
                stroke_dasharray="3 3",
            )
        )
        body.append(
            _text("shield", 10.5, (left + right) / 2, high + 12, fill="#455a64", text_anchor="middle")
        )
        bottoms.append(high + 14)
    for w in wires:
        role = drawing.roles.get(w.role) or Role(w.role, w.role, "#000000")
        (x1, y1), (x2, y2) = anchors[(0, w.from_leg, w.from_contact)], anchors[(1, w.to_leg, w.to_contact)]
        mid = (x1 + x2) / 2
        path = draw.Path(stroke=role.colour, stroke_width=3, fill="none", stroke_linecap="round")
        if role.dashed:
            path.args["stroke-dasharray"] = "6 4"
        body.append(path.M(x1, y1).C(mid, y1, mid, y2, x2, y2))
        body += [draw.Circle(x1, y1, 3.5, fill=role.colour), draw.Circle(x2, y2, 3.5, fill=role.colour)]

    legend_top = max(bottoms) + 18
    legend, height = _legend(picture, drawing, legend_top)
    title = f"{picture.from_end.name} \u2192 {picture.to_end.name}"
    svg = draw.Drawing(
        WIDTH,
        height,
        role="img",
        aria_labelledby="wiring-title wiring-desc",
        font_family=FONT,
    )
    svg.append(draw.Title(f"Wiring: {picture.from_end.name} to {picture.to_end.name}", id="wiring-title"))
    svg.append(Desc(alt_text(picture), id="wiring-desc"))
    svg.append(draw.Rectangle(0, 0, WIDTH, height, fill="#ffffff"))
    svg.append(_text(title, 13, WIDTH / 2, 18, fill=TEXT, font_weight="bold", text_anchor="middle"))
    for element in body + legend:
        svg.append(element)
    return svg.as_svg(header='<?xml version="1.0" encoding="UTF-8"?>\n')


def _end_heading(end: EndPicture, x: float) -> list[draw.DrawingElement]:
    return [
        _text(end.name, 12, x + 2, 36, fill=TEXT, font_weight="bold"),
    ]


def _legend(picture: WiringPicture, drawing: Drawing, top: float) -> tuple[list[draw.DrawingElement], float]:
    used = list(dict.fromkeys(w.role for w in picture.wires))
    entries = [drawing.roles[r] for r in used if r in drawing.roles]
    out: list[draw.DrawingElement] = []
    per_row = 2
    col_w = (WIDTH - 2 * MARGIN) / per_row
    for i, role in enumerate(entries):
        x = MARGIN + (i % per_row) * col_w
        y = top + (i // per_row) * 18
        line = draw.Line(x, y, x + 20, y, stroke=role.colour, stroke_width=3)
        if role.dashed:
            line.args["stroke-dasharray"] = "6 4"
        out += [line, _text(role.label, 10.5, x + 26, y + 4, fill=TEXT)]
    rows = math.ceil(len(entries) / per_row)
    return out, top + rows * 18 + 4


def _text(text: str, size: float, x: float, y: float, **kwargs) -> draw.Text:
    return draw.Text(text, size, x, y, **kwargs)


# The route


class _Pictures:
    """Rendered pictures, per ontology (a hot-reloaded kb draws again), bounded."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: object = None
        self.drawing: Drawing | None = None

    def drawing_for(self, ontology: Ontology, kb_dir: Path) -> Drawing:
        with self.lock:
            if self.key is not ontology or self.drawing is None:
                self.drawing = load_drawing(kb_dir, ontology)
                self.key = ontology
                _svg.cache_clear()
                _link.cache_clear()
            return self.drawing


_PICTURES = _Pictures()


def link_for(app: Flask, engine, cable: Cable | None) -> WiringLink | None:
    """The picture an answer's cable links, or None when it names no drawable cable."""
    ontology = getattr(engine, "ontology", None)
    if cable is None or ontology is None:
        return None
    settings = get_runtime(app).settings
    try:
        drawing = _PICTURES.drawing_for(ontology, settings.kb_dir)
    except KBInvalid as exc:  # `cablewise kb check` reports it; the answer goes on without a picture
        log.error("wiring pictures unavailable: %s", exc.detail)
        return None
    return _link(ontology, drawing, cable.from_end, cable.to_end, settings.public_url.rstrip("/"))


@lru_cache(maxsize=1024)  # a few hundred end pairs exist: each answer's link is then a dictionary look-up
def _link(ontology: Ontology, drawing: Drawing, from_end: str, to_end: str, base: str) -> WiringLink | None:
    picture = wiring_picture(from_end, to_end, ontology, drawing)
    if picture is None:
        return None
    return WiringLink(base + path_for(from_end, to_end), alt_text(picture))


@lru_cache(maxsize=1024)
def _svg(ontology: Ontology, drawing: Drawing, from_end: str, to_end: str) -> bytes | None:
    picture = wiring_picture(from_end, to_end, ontology, drawing)
    return None if picture is None else render_svg(picture, drawing).encode("utf-8")


@bp.get("/wiring/<pair>.svg")
def picture(pair: str) -> Response:
    """The wiring picture of the cable from one end to the other (end names as in the answer's cable, slugged).

    :raise 404: an end is not a plug the service names or draws.
    """
    runtime = get_runtime(current_app)
    ontology = _ontology(runtime)
    names = end_names(ontology)
    from_slug, sep, to_slug = pair.partition(PAIR_SEPARATOR)
    if not sep or from_slug not in names or to_slug not in names:
        abort(
            404,
            description=f"no wiring picture {pair!r}: name two cable ends, e.g. /wiring/trs-male--xlr-male.svg",
        )
    drawing = _PICTURES.drawing_for(ontology, runtime.settings.kb_dir)
    svg = _svg(ontology, drawing, names[from_slug], names[to_slug])
    if svg is None:
        abort(404, description=f"no wiring picture for {names[from_slug]} to {names[to_slug]}")
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"  # shops show it in the widget
    response.set_etag(hashlib.sha256(svg).hexdigest()[:32])
    return response.make_conditional(request)


@dataclass(frozen=True, slots=True)
class CablePicture:
    """A cable the knowledge base names, with its picture's path and text alternative."""

    name: str
    from_end: str
    to_end: str
    path: str
    alt: str


def named_cables(ontology: Ontology, kb_dir: Path) -> list[CablePicture]:
    """The whole cables of connectors.yaml (mic cable, instrument cable...) that have two drawable ends, with
    XLR genders following the signal (socket at the sending end, pins at the receiving end)."""
    drawing = _PICTURES.drawing_for(ontology, kb_dir)
    out = []
    for cable in ontology.cables.values():
        if len(cable.ends) != 2:
            continue
        from_end = ontology.plug_of(cable.ends[0], "female")
        to_end = ontology.plug_of(cable.ends[1], "male")
        picture = wiring_picture(from_end or "", to_end or "", ontology, drawing)
        if picture is not None:
            out.append(
                CablePicture(
                    cable.name,
                    picture.from_end.name,
                    picture.to_end.name,
                    path_for(picture.from_end.name, picture.to_end.name),
                    alt_text(picture),
                )
            )
    return out


def pairs_by_end(ontology: Ontology, kb_dir: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every single-plug pair the service can draw, grouped by the sending end: (from, [(to, path)])."""
    drawing = _PICTURES.drawing_for(ontology, kb_dir)
    grouped: dict[str, list[tuple[str, str]]] = {}
    for from_end, to_end in drawable_pairs(ontology, drawing):
        grouped.setdefault(from_end, []).append((to_end, path_for(from_end, to_end)))
    return list(grouped.items())


def _ontology(runtime) -> Ontology:
    engine = runtime.engine
    if engine is not None:
        return engine.ontology
    from service.adapters.kb_pages import _ontology as kb_ontology

    return kb_ontology(runtime.settings.kb_dir)


def register(app: Flask) -> None:
    """Mount GET /wiring/<from>--<to>.svg."""
    app.register_blueprint(bp)

"""`cablewise plan "A" "B"`: how to connect one piece of gear to another, printed as text or as the API's JSON."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    """Add the `plan` command to the `cablewise` subcommands."""
    plan = sub.add_parser(
        "plan", help="how to connect one piece of gear to another: cables, adapters, devices"
    )
    plan.add_argument("source", help='the sending gear or port, e.g. "Scarlett 2i2" or "guitar"')
    plan.add_argument("destination", help='the receiving gear or port, e.g. "Yamaha HS5" or "a mic input"')
    plan.add_argument("--json", action="store_true", help="print the JSON of POST /api/v1/plan")
    plan.add_argument(
        "--phantom", choices=["on", "off", "unknown"], default="unknown", help="48 V on mic inputs"
    )
    channels = plan.add_mutually_exclusive_group()
    channels.add_argument(
        "--stereo", dest="stereo", action="store_true", default=None, help="a left/right pair"
    )
    channels.add_argument("--mono", dest="stereo", action="store_false", help="one channel")


def run(args) -> int:
    """Print the plans; unknown gear is a ValueError, which `cablewise` prints as an error (exit 2)."""
    from service.adapters import plan_render
    from service.core.planner import plan_between
    from service.kb import load_ontology
    from service.settings import Settings

    ontology = load_ontology(Settings().kb_dir)  # plans need the rules only: no model, no index
    planning = plan_between(args.source, args.destination, ontology, phantom=args.phantom, stereo=args.stereo)
    print(
        json.dumps(plan_render.to_api(planning), indent=2, ensure_ascii=False)
        if args.json
        else plan_render.to_text(planning)
    )
    return 0

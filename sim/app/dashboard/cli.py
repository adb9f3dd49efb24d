"""``regcycle dashboard [SCENARIO]``: serve the SolaraViz page on 127.0.0.1.

:func:`add_dashboard_subcommand` registers the subcommand on the main parser. The command
validates the scenario first (bad input: one message, exit 2), checks that the ``dashboard``
extra is installed (else it prints how to install it and exits 2), prints the address and runs
``solara run sim.app.dashboard.app`` bound to 127.0.0.1 until Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading

from ..arguments import int_in
from . import INSTALL_HINT, missing_extra
from .source import ENV_SCENARIO, ENV_SET, load_dashboard_scenario

HOST = "127.0.0.1"
"""The only address the dashboard listens on."""

DEFAULT_PORT = 8765
"""Port used unless ``--port`` says otherwise (Solara's default)."""

APP = "sim.app.dashboard.app"
"""The module ``solara run`` serves."""

EXIT_OK = 0
EXIT_BAD_INPUT = 2

EPILOG = """\
examples:
  regcycle dashboard                          # the baseline scenario on http://127.0.0.1:8765
  regcycle dashboard rules_based --port 8800
  regcycle dashboard baseline --set firms.n_firms=150 --port 0    # 0: any free port

Open the printed address in a browser. Step, play and pause run the model month by month;
move the sliders and press Reset to rebuild the model with the new values. Needs the optional
extra: pip install 'regcycle[dashboard]'. Ctrl-C stops the server.
"""


def add_dashboard_subcommand(subparsers: argparse._SubParsersAction) -> None:
    """Register ``dashboard`` on the main parser's subparsers."""
    dash = subparsers.add_parser(
        "dashboard", help="open the model in the browser (sliders, step, play, reset)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve Mesa's SolaraViz page for a scenario on 127.0.0.1: live plots of "
                    "enforcement, signal and phase per sector, alarm against threshold, "
                    "valuation and pain, the latest events, and sliders for the main "
                    "parameters.", epilog=EPILOG)
    dash.add_argument("scenario", metavar="SCENARIO", nargs="?", default=None,
                      help="scenario file or name (default: baseline)")
    dash.add_argument("--port", type=int_in(0, 65535), default=DEFAULT_PORT,
                      help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0: any free port)")
    dash.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                      help="override a parameter of the scenario (repeatable)")
    dash.set_defaults(func=dashboard_command)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def port_in_use(port: int) -> bool:
    """Whether binding 127.0.0.1:port fails.

    The check binds as the server does (SO_REUSEADDR), so that closing connections of a server
    that just stopped do not count.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return True
    return False


def server_command(port: int) -> list[str]:
    """The ``solara run`` command line serving the page on 127.0.0.1:port."""
    return [sys.executable, "-m", "solara", "run", APP, "--host", HOST, "--port", str(port),
            "--production", "--no-open", "--no-check-version", "--log-level-uvicorn",
            "warning"]


def server_environment(scenario_path: str | None,
                       overrides: dict[str, object]) -> dict[str, str]:
    """The server's environment: the scenario to show, no telemetry, headless matplotlib.

    Args:
        scenario_path: the scenario file (None: the parameter defaults).
        overrides: dotted-key overrides from ``--set``.
    """
    env = dict(os.environ)
    env[ENV_SCENARIO] = os.path.abspath(scenario_path) if scenario_path else ""
    env[ENV_SET] = json.dumps(overrides)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env["MPLBACKEND"] = "Agg"
    return env


def dashboard_command(args: argparse.Namespace) -> int:
    """Run ``regcycle dashboard``; return the exit status.

    Raises:
        sim.experiment.scenario.ScenarioError: for a bad scenario or ``--set`` (the main command
        prints
            it and exits 2).
    """
    from ...experiment.scenario import parse_assignment

    overrides: dict[str, object] = {}
    for text in args.sets:
        key, value = parse_assignment(text)
        overrides[key] = value
    scenario = load_dashboard_scenario(args.scenario, overrides)
    missing = missing_extra()
    if missing:
        print(f"regcycle dashboard needs the optional extra 'dashboard' ({missing} is not "
              f"installed). Install it with:\n  {INSTALL_HINT}", file=sys.stderr)
        return EXIT_BAD_INPUT
    port = args.port or free_port()
    if port_in_use(port):
        print(f"regcycle: port {port} on {HOST} is in use; choose another with --port "
              "(--port 0 picks a free one)", file=sys.stderr)
        return EXIT_BAD_INPUT
    source = scenario.path or scenario.name
    print(f"regcycle dashboard: {scenario.name} ({source}) at http://{HOST}:{port}\n"
          "  open that address in a browser; Ctrl-C stops the server", flush=True)
    proc = subprocess.Popen(server_command(port),
                            env=server_environment(scenario.path, overrides))
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return proc.wait()
    except KeyboardInterrupt:  # the server got the same Ctrl-C and stops by itself
        return EXIT_OK
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)
        _stop(proc)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server process (politely, then by force after 10 s)."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


__all__ = ["APP", "DEFAULT_PORT", "HOST", "add_dashboard_subcommand", "dashboard_command",
           "free_port", "port_in_use", "server_command", "server_environment"]

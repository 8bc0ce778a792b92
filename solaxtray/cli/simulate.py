"""``solaxtray simulate``: the built-in SolaX Cloud simulator in the foreground. It prints the
demo's public token and client secret on purpose, so its output is not masked.
"""

from __future__ import annotations

import argparse

from solaxtray.cli.output import EXIT_OK, UsageError, write_stdout
from solaxtray.core.i18n import _

COMMANDS: tuple[str, ...] = ("simulate",)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``simulate`` to ``commands``."""
    simulate = commands.add_parser(
        "simulate",
        help=_(
            "run the built-in SolaX Cloud simulator (tokenId and Developer API) in the foreground"
        ),
    )
    simulate.add_argument(
        "--port", type=int, default=0, help=_("TCP port on 127.0.0.1 (default: any free port)")
    )


def run(args: argparse.Namespace) -> int:
    from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN
    from solaxtray.core.simulator.developer import (
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        DEMO_DEVICE_SERIALS,
        DeveloperSimulator,
        serve_forever_developer_demo,
    )

    if not 0 <= args.port <= 65535:
        raise UsageError(
            _("--port must be between 0 and 65535, not {port}.").format(port=args.port)
        )

    def ready(sim: DeveloperSimulator) -> None:
        lines: list[str] = []
        serials = " ".join(f"--sn {sn}" for sn in DEMO_SERIALS)
        devices = " ".join(f"--sn {sn}" for sn in DEMO_DEVICE_SERIALS)
        lines.append(_("SolaX Cloud simulator running at {base_url}").format(base_url=sim.base_url))
        lines.append(_("tokenId API:"))
        lines.append(_("  v1 API:     {v1_url}").format(v1_url=sim.v1_url))
        lines.append(_("  v2 API:     {v2_url}").format(v2_url=sim.v2_url))
        lines.append(_("  demo token: {token}").format(token=DEMO_TOKEN))
        lines.append(_("  serials:    {serials}").format(serials=", ".join(DEMO_SERIALS)))
        lines.append(
            _("Try: SOLAXTRAY_TOKEN={token} solaxtray fetch --api-url {v1_url} {serials}").format(
                token=DEMO_TOKEN, v1_url=sim.v1_url, serials=serials
            )
        )
        lines.append(_("Developer API:"))
        lines.append(_("  server:        {base_url}").format(base_url=sim.base_url))
        lines.append(_("  client id:     {client_id}").format(client_id=DEMO_CLIENT_ID))
        lines.append(_("  client secret: {secret}").format(secret=DEMO_CLIENT_SECRET))
        lines.append(_("  serials:       {serials}").format(serials=", ".join(DEMO_DEVICE_SERIALS)))
        lines.append(
            _(
                "Try: SOLAXTRAY_CLIENT_ID={client_id} "
                "SOLAXTRAY_CLIENT_SECRET={secret} solaxtray fetch --backend "
                "developer --api-url {base_url} {devices}"
            ).format(
                client_id=DEMO_CLIENT_ID,
                secret=DEMO_CLIENT_SECRET,
                base_url=sim.base_url,
                devices=devices,
            )
        )
        lines.append(_("Press Ctrl-C to stop."))
        write_stdout("\n".join(lines) + "\n")

    try:
        serve_forever_developer_demo(args.port, ready=ready)
    except BrokenPipeError:
        raise  # the reader went away: the entry point ends quietly
    except OSError as exc:
        raise UsageError(
            _(
                "The simulator cannot listen on port {port}: {reason}. Choose another --port, or "
                "0 for any free port."
            ).format(port=args.port, reason=exc.strerror or exc),
            title=_("Cannot start the simulator"),
        ) from exc
    except KeyboardInterrupt:
        pass
    return EXIT_OK

"""A SolaX Cloud stand-in for tests, the demo mode and ``solaxtray simulate``. Qt-free, stdlib only.

``CloudSimulator`` serves both endpoints of the real service over real HTTP on 127.0.0.1, with
simulated plants behind them (``SimInverter``), the real quota and its error wording, scripted
statuses and injectable transport faults (``Fault``). ``CloudSimulator.demo()`` is the built-in
demo story on ``DEMO_TOKEN``; ``serve_forever_demo(port)`` runs it in the foreground.
"""

from solaxtray.core.simulator.cloud import Fault, SimRequest, SimulatedCloud
from solaxtray.core.simulator.demo import (
    DEMO_EPS_SN,
    DEMO_FAULT_SN,
    DEMO_MICRO_SN,
    DEMO_SERIALS,
    DEMO_STORY_PERIOD,
    DEMO_TOKEN,
    DEMO_UPLOAD_INTERVAL,
)
from solaxtray.core.simulator.plant import Reading, SimInverter
from solaxtray.core.simulator.quota import Outcome
from solaxtray.core.simulator.server import (
    DEAD_PATH,
    REDIRECT_TARGET,
    V1_PATH,
    V1_PREFIX,
    V2_PATH,
    CloudSimulator,
    serve_forever_demo,
)

__all__ = [
    "DEAD_PATH",
    "DEMO_EPS_SN",
    "DEMO_FAULT_SN",
    "DEMO_MICRO_SN",
    "DEMO_SERIALS",
    "DEMO_STORY_PERIOD",
    "DEMO_TOKEN",
    "DEMO_UPLOAD_INTERVAL",
    "REDIRECT_TARGET",
    "V1_PATH",
    "V1_PREFIX",
    "V2_PATH",
    "CloudSimulator",
    "Fault",
    "Outcome",
    "Reading",
    "SimInverter",
    "SimRequest",
    "SimulatedCloud",
    "serve_forever_demo",
]

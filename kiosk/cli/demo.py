"""``kiosk demo``: the kiosk against the simulators.

Until the kiosk screen exists this shows the hardware path end to end: a simulated
sensor with a synthetic finger, captured over the real serial protocol.
"""

from __future__ import annotations

import time

from .common import EXIT_OK
from .images import save_greyscale_png


def register(sub) -> None:
    p = sub.add_parser("demo", help="run the kiosk against simulated hardware")
    p.add_argument("--out", default="demo-finger.png", help="where to save the captured image")
    p.add_argument("--identity", type=int, default=1, help="synthetic recipient on the glass")
    p.add_argument("--fast", action="store_true", help="skip line-rate timing")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args) -> int:
    from firmware_bridge.r30x.driver import R30xSensor
    from hw_sim.sensor.simulator import SensorSimulator

    with SensorSimulator(pace=not args.fast) as sim:
        print(f"simulated sensor on {sim.url}")
        sim.place_synthetic(args.identity)
        with R30xSensor(sim.url, timeout=3) as sensor:
            params = sensor.negotiate()
            print(f"link: {params.baud} baud, {params.packet_size}-byte packets")
            start = time.monotonic()
            sensor.wait_for_finger(10)
            image = sensor.up_image()
            capture_s = time.monotonic() - start
            sensor.img2tz(1)
            sensor.restore_factory_link()
    save_greyscale_png(image, args.out)
    print(f"captured synthetic recipient {args.identity}'s finger in {capture_s:.2f} s, "
          f"features extracted on the sensor; image saved to {args.out}")
    return EXIT_OK

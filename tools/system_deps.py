"""Install the shared libraries Qt needs when a minimal Linux image lacks them.

Called by `make run` and `make test`. Checks with the dynamic loader's cache; installs with apt
only when running as root on a Debian-like system, otherwise prints the command to run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# library soname -> Debian package. The first group is needed even offscreen (tests);
# the xcb group only for a real window on X11.
CORE = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}
X11 = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
}


def missing(libs: dict[str, str]) -> list[str]:
    if not sys.platform.startswith("linux") or not shutil.which("ldconfig"):
        return []
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    return sorted({pkg for soname, pkg in libs.items() if soname not in cache})


def main() -> int:
    wanted = dict(CORE)
    if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM", "") != "offscreen":
        wanted.update(X11)
    packages = missing(wanted)
    if not packages:
        return 0
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing system libraries for Qt:", " ".join(packages))
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if subprocess.run(command, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
            subprocess.run(command, env=env, check=False)
        return 0
    print("Qt may need these system libraries:", " ".join(packages))
    print("Install them with: sudo " + " ".join(command))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Build of the one C file in the package (firmware/sip/native/analog_port.c: the analog ports'
pjmedia port, see its header); everything else is in pyproject.toml. PBX_NATIVE=0 leaves it out
(a wheel for another architecture than the build machine's: pbxd then uses its Python ports)."""

import os

from setuptools import Extension, setup

native = os.environ.get("PBX_NATIVE", "1") != "0"
setup(ext_modules=[Extension("firmware.sip._analog_port", ["firmware/sip/native/analog_port.c"],
                             extra_compile_args=["-O2", "-Wall", "-Wextra"], optional=True)]
      if native else [])

"""A PEP 517 backend for the owngil runtime: CMake builds the package (`cmake -S runtime`, the
runtime alone for the running CPython), this packs it into a wheel. Only wheels: the runtime is
built from a checkout of the repository (it reads the version from the top-level CMakeLists.txt).
"""
import base64
import hashlib
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

RUNTIME = pathlib.Path(__file__).resolve().parents[1]
NAME = "owngil"


def _version():
    text = (RUNTIME.parent / "CMakeLists.txt").read_text()
    return re.search(r"^project\(owngil VERSION (\d+\.\d+\.\d+)", text, re.M).group(1)


def _tag():
    py = "cp%d%d" % sys.version_info[:2]
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{py}-{py}-{platform}"


def _build_package(work):
    """The package directory CMake made (owngil/ with _owngil.<soabi>.so and _version.py)."""
    build = work / "build"
    configure = ["cmake", "-S", str(RUNTIME), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                 f"-DPython_EXECUTABLE={sys.executable}"]
    if shutil.which("ninja"):
        configure += ["-G", "Ninja"]
    subprocess.run(configure, check=True, stdout=sys.stderr)
    subprocess.run(["cmake", "--build", str(build), "-j", str(min(os.cpu_count() or 1, 2))], check=True,
                   stdout=sys.stderr)
    v = "%d.%d" % sys.version_info[:2]
    return build / "runtime" / f"py{v}" / NAME


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def _metadata(version):
    return (f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {version}\n"
            "Summary: A pool of CPython subinterpreters that each own their GIL (PEP 684)\n"
            "License: MIT\nRequires-Python: >=3.12\n")


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    dist_info = pathlib.Path(metadata_directory) / f"{NAME}-{_version()}.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    (dist_info / "METADATA").write_text(_metadata(_version()))
    return dist_info.name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version, tag = _version(), _tag()
    wheel_name = f"{NAME}-{version}-{tag}.whl"
    dist_info = f"{NAME}-{version}.dist-info"
    with tempfile.TemporaryDirectory(prefix="owngil-wheel-") as tmp:
        package = _build_package(pathlib.Path(tmp))
        records = []
        with zipfile.ZipFile(pathlib.Path(wheel_directory) / wheel_name, "w", zipfile.ZIP_DEFLATED) as whl:
            def add(arcname, data):
                whl.writestr(arcname, data)
                records.append(_record_line(arcname, data))
            for path in sorted(package.iterdir()):
                if path.is_file():
                    add(f"{NAME}/{path.name}", path.read_bytes())
            add(f"{dist_info}/METADATA", _metadata(version).encode())
            add(f"{dist_info}/WHEEL",
                f"Wheel-Version: 1.0\nGenerator: owngil_build\nRoot-Is-Purelib: false\nTag: {tag}\n".encode())
            add(f"{dist_info}/LICENSE", (RUNTIME.parent / "LICENSE").read_bytes())
            records.append(f"{dist_info}/RECORD,,")
            whl.writestr(f"{dist_info}/RECORD", "\n".join(records) + "\n")
    return wheel_name


def build_sdist(sdist_directory, config_settings=None):
    raise RuntimeError("owngil's runtime is built from a checkout of the repository: "
                       "pip install ./runtime (no source distribution)")

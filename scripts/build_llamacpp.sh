#!/usr/bin/env bash
# Build llama-cpp-python once into a wheel cache and install it.
#
# PyPI ships llama-cpp-python only as an sdist that compiles llama.cpp from source (about
# 5-10 minutes on 2 cores).  This script builds the wheel once into a cache directory keyed
# by the build configuration and the CPU flags the build depends on, and reuses it later:
#
#   ~/.cache/jumpcoder-lsp/wheels/<key>/llama_cpp_python-<version>-*.whl
#
# Default build: portable x86-64 (GGML_NATIVE=OFF with AVX/AVX2/FMA/F16C), valid on any CPU
# with AVX2 (Haswell / Zen 1 and later).  A GGML_NATIVE=ON build is faster on AVX-512 machines
# but dies with an illegal instruction on an older CPU; with LLAMACPP_NATIVE=1 the key then
# includes the CPU model and all of its flags so a cache shared between machines stays safe.
#
# Environment:
#   LLAMACPP_VERSION   llama-cpp-python version (default 0.3.36)
#   LLAMACPP_NATIVE=1  build for this CPU only (GGML_NATIVE=ON)
#   LLAMACPP_CACHE     wheel cache root (default ~/.cache/jumpcoder-lsp/wheels)
#   CMAKE_ARGS         extra cmake arguments, appended (e.g. -DGGML_CUDA=ON, -DGGML_METAL=ON);
#                      they are part of the cache key
#   LLAMACPP_NO_INSTALL=1   only build/locate the wheel, do not pip install it
#   PYTHON             interpreter whose pip is used (default: python)
#   CMAKE_BUILD_PARALLEL_LEVEL  compile jobs (default: number of CPUs)
#
# Prints what it did; the last line is the path of the wheel.
set -euo pipefail

VERSION="${LLAMACPP_VERSION:-0.3.36}"
PY="${PYTHON:-python}"
CACHE_ROOT="${LLAMACPP_CACHE:-$HOME/.cache/jumpcoder-lsp/wheels}"
EXTRA_ARGS="${CMAKE_ARGS:-}"

BASE_ARGS="-DGGML_BLAS=OFF -DLLAMA_CURL=OFF -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
arch="$(uname -m)"
os="$(uname -s)"
if [[ "${LLAMACPP_NATIVE:-0}" == "1" ]]; then
    CPU_ARGS="-DGGML_NATIVE=ON"
    # Everything the compiler may use with -march=native: model name + all flags.
    if [[ -r /proc/cpuinfo ]]; then
        cpu_id="$(grep -m1 -E '^(model name|Processor)' /proc/cpuinfo || true) $(grep -m1 -E '^(flags|Features)' /proc/cpuinfo || true)"
    else
        cpu_id="$(sysctl -n machdep.cpu.brand_string 2>/dev/null || true) $(sysctl -a 2>/dev/null | grep -E 'hw.optional' || true)"
    fi
    mode="native"
elif [[ "$arch" == "x86_64" || "$arch" == "amd64" ]]; then
    CPU_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
    # The portable build needs only these flags; check that this CPU has them.
    if [[ -r /proc/cpuinfo ]]; then
        for f in avx avx2 fma f16c bmi2; do
            if ! grep -m1 -E '^flags' /proc/cpuinfo | grep -qw "$f"; then
                echo "build_llamacpp: this CPU lacks '$f'; the portable AVX2 build would not run here." >&2
                echo "build_llamacpp: rerun with LLAMACPP_NATIVE=1 (a build for this CPU only)." >&2
                exit 2
            fi
        done
    fi
    cpu_id="x86_64 avx avx2 fma f16c bmi2"
    mode="portable-avx2"
else
    # arm64 (Apple Silicon, Graviton): llama.cpp's default is fine and portable enough per OS.
    CPU_ARGS="-DGGML_NATIVE=OFF"
    cpu_id="$arch"
    mode="portable-$arch"
fi

ALL_ARGS="$BASE_ARGS $CPU_ARGS $EXTRA_ARGS"
pyver="$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
key_src="llama-cpp-python==$VERSION|$os|$arch|$pyver|$ALL_ARGS|$cpu_id"
key="$(printf '%s' "$key_src" | sha256sum 2>/dev/null | cut -c1-16 || printf '%s' "$key_src" | shasum -a 256 | cut -c1-16)"
dir="$CACHE_ROOT/$key"
mkdir -p "$dir"

wheel="$(ls "$dir"/llama_cpp_python-"$VERSION"-*.whl 2>/dev/null | head -n1 || true)"
if [[ -n "$wheel" ]]; then
    echo "build_llamacpp: reusing cached wheel ($mode): $wheel"
else
    echo "build_llamacpp: building llama-cpp-python==$VERSION ($mode) into $dir"
    echo "build_llamacpp: CMAKE_ARGS=$ALL_ARGS"
    printf '%s\n' "$key_src" > "$dir/KEY.txt"
    start=$(date +%s)
    export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}"
    if ! CMAKE_ARGS="$ALL_ARGS" FORCE_CMAKE=1 "$PY" -m pip wheel --no-deps --no-cache-dir \
            "llama-cpp-python==$VERSION" -w "$dir" > "$dir/build.log" 2>&1; then
        echo "build_llamacpp: BUILD FAILED after $(( $(date +%s) - start )) s; log: $dir/build.log" >&2
        tail -n 30 "$dir/build.log" >&2
        echo "build_llamacpp: see docs/llamacpp.md, 'When the build fails'." >&2
        exit 1
    fi
    wheel="$(ls "$dir"/llama_cpp_python-"$VERSION"-*.whl | head -n1)"
    echo "build_llamacpp: built in $(( $(date +%s) - start )) s: $wheel ($(du -h "$wheel" | cut -f1))"
fi

if [[ "${LLAMACPP_NO_INSTALL:-0}" != "1" ]]; then
    # The wheel has runtime deps (numpy, typing-extensions, diskcache, jinja2): let pip resolve them.
    "$PY" -m pip install --quiet "$wheel"
    echo "build_llamacpp: installed $("$PY" -c 'import llama_cpp; print(llama_cpp.__version__, llama_cpp.__file__)')"
fi
echo "$wheel"
